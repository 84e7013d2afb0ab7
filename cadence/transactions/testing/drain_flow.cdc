import "FungibleToken"
import "FlowToken"

/// Tests only: the signing user sends FLOW to `to` until `keep` is left, so
/// that the daemon sees a balance under its threshold.
transaction(keep: UFix64, to: Address) {

    prepare(signer: auth(BorrowValue) &Account) {
        let vault = signer.storage.borrow<auth(FungibleToken.Withdraw) &FlowToken.Vault>(
            from: /storage/flowTokenVault
        ) ?? panic("drain_flow: the signer has no FLOW vault")
        assert(vault.balance > keep, message: "drain_flow: the balance is already at most \(keep)")
        let receiver = getAccount(to).capabilities.borrow<&{FungibleToken.Receiver}>(
            /public/flowTokenReceiver
        ) ?? panic("drain_flow: \(to) has no FLOW receiver")
        receiver.deposit(from: <-vault.withdraw(amount: vault.balance - keep))
    }
}
