import "FungibleToken"
import "BaitCoin"

/// Sandbox only: the token account mints `amount` BaitCoin into the
/// recipient's vault through its public receiver.
transaction(recipient: Address, amount: UFix64) {

    let minter: &BaitCoin.Minter

    prepare(signer: auth(BorrowValue) &Account) {
        self.minter = signer.storage.borrow<&BaitCoin.Minter>(from: BaitCoin.MinterStoragePath)
            ?? panic("mint: the signer holds no BaitCoin minter")
    }

    execute {
        let receiver = getAccount(recipient).capabilities.borrow<&{FungibleToken.Receiver}>(
            BaitCoin.ReceiverPublicPath
        ) ?? panic("mint: \(recipient) has no BaitCoin receiver")
        receiver.deposit(from: <-self.minter.mintTokens(amount: amount))
    }
}
