/// Sandbox only: whether `account` holds a contract called `name`. Answers
/// false for an address without an account instead of aborting.
access(all) fun main(account: Address, name: String): Bool {
    return getAccount(account).contracts.get(name: name) != nil
}
