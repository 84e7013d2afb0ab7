import "FungibleToken"

/// Tests only: the signing user replaces the capability at
/// /public/`identifier` with a receiver capability to /storage/`target`,
/// so that a published but wrong capability can be told from a missing one.
transaction(identifier: String, target: String) {

    prepare(signer: auth(Capabilities) &Account) {
        let path = PublicPath(identifier: identifier)
            ?? panic("misdirect_capability: \(identifier) is not a valid path identifier")
        let storagePath = StoragePath(identifier: target)
            ?? panic("misdirect_capability: \(target) is not a valid path identifier")
        signer.capabilities.unpublish(path)
        signer.capabilities.publish(
            signer.capabilities.storage.issue<&{FungibleToken.Receiver}>(storagePath),
            at: path
        )
    }
}
