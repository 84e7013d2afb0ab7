import "FungibleToken"
import "FlowToken"

/// Sandbox only: creates one account holding `publicKey` (ECDSA_P256,
/// SHA3_256, full weight) and `funding` FLOW from the signer, who pays.
/// Used for the account that deploys the token contract.
transaction(publicKey: String, funding: UFix64) {

    prepare(signer: auth(BorrowValue) &Account) {
        let account = Account(payer: signer)
        account.keys.add(
            publicKey: PublicKey(
                publicKey: publicKey.decodeHex(),
                signatureAlgorithm: SignatureAlgorithm.ECDSA_P256
            ),
            hashAlgorithm: HashAlgorithm.SHA3_256,
            weight: 1000.0
        )

        if funding > 0.0 {
            let source = signer.storage.borrow<auth(FungibleToken.Withdraw) &FlowToken.Vault>(
                from: /storage/flowTokenVault
            ) ?? panic("create_account: the signer has no FLOW vault at /storage/flowTokenVault")
            let receiver = account.capabilities.borrow<&{FungibleToken.Receiver}>(
                /public/flowTokenReceiver
            ) ?? panic("create_account: the new account has no FLOW receiver")
            receiver.deposit(from: <-source.withdraw(amount: funding))
        }
    }
}
