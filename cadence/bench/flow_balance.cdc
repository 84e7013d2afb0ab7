import "FungibleToken"

/// The per-wallet pattern flowsync replaced, first of its three checks: the
/// FLOW balance of one account, read through its public balance
/// capability; 0.0 when the account or the capability is missing. Used
/// only by the benchmark (tools/bench).
access(all) fun main(address: Address): UFix64 {
    let account = getAccount(address)
    if let vault = account.capabilities.borrow<&{FungibleToken.Balance}>(/public/flowTokenBalance) {
        return vault.balance
    }
    return 0.0
}
