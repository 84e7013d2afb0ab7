/// Tests only: the signing user unpublishes the capability at
/// /public/`identifier`, so that the daemon sees it missing.
transaction(identifier: String) {

    prepare(signer: auth(UnpublishCapability) &Account) {
        let path = PublicPath(identifier: identifier)
            ?? panic("unpublish_capability: \(identifier) is not a valid path identifier")
        signer.capabilities.unpublish(path)
            ?? panic("unpublish_capability: nothing is published at \(path)")
    }
}
