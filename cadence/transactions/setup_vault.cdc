import "FungibleToken"
import "FungibleTokenMetadataViews"

/// Repairs the token setup of an existing account; the signer is the user
/// (the service account proposes and pays). Idempotent: for each configured
/// token it saves an empty vault if there is none, and publishes the
/// receiver and balance capabilities unless a good one is already there. A
/// published capability that no longer works, or that does not lead to the
/// vault, is replaced: `capabilities.publish` aborts on a taken path, so the
/// old one is unpublished first.
///
/// "Good" is judged as the state script judges it, so that whatever the
/// script reports missing, this transaction fixes.
transaction(tokenAddresses: [Address], tokenNames: [String]) {

    prepare(signer: auth(Storage, Capabilities) &Account) {
        pre {
            tokenAddresses.length == tokenNames.length:
                "setup_vault: tokenAddresses and tokenNames differ in length"
        }
        var i = 0
        while i < tokenNames.length {
            let data = vaultData(tokenAddresses[i], tokenNames[i])
            let empty <- data.createEmptyVault()
            let vaultType = empty.getType()

            let stored = signer.storage.type(at: data.storagePath)
            if stored == nil {
                signer.storage.save(<-empty, to: data.storagePath)
            } else {
                destroy empty
                assert(
                    stored! == vaultType,
                    message: "setup_vault: \(data.storagePath) holds a \(stored!.identifier), not a \(vaultType.identifier); move it away by hand"
                )
            }

            repair(signer, data.receiverPath, data.storagePath, data.receiverLinkedType,
                   Type<&{FungibleToken.Receiver}>())
            repair(signer, data.metadataPath, data.storagePath, data.metadataLinkedType,
                   Type<&{FungibleToken.Balance}>())
            i = i + 1
        }
    }
}

/// Publishes a capability of `linkedType` to `target` at `path` unless the
/// one there already leads to `target` with a borrow type that is a
/// `required`.
access(all) fun repair(
    _ account: auth(Capabilities) &Account,
    _ path: PublicPath,
    _ target: StoragePath,
    _ linkedType: Type,
    _ required: Type
) {
    if publishes(account, path, target, required) {
        return
    }
    if account.capabilities.exists(path) {
        account.capabilities.unpublish(path)
    }
    account.capabilities.publish(
        account.capabilities.storage.issueWithType(target, type: linkedType),
        at: path
    )
}

/// The test of scripts/wallet_state.cdc: the capability at `path` was
/// issued by this account for `target`, and borrows as `required`.
access(all) fun publishes(
    _ account: auth(Capabilities) &Account,
    _ path: PublicPath,
    _ target: StoragePath,
    _ required: Type
): Bool {
    let capability = account.capabilities.get<&AnyResource>(path)
    if capability.id == 0 || capability.address != account.address {
        return false
    }
    if let controller = account.capabilities.storage.getController(byCapabilityID: capability.id) {
        return controller.target() == target && controller.borrowType.isSubtype(of: required)
    }
    return false
}

/// A configured token's FTVaultData view; a token that cannot be resolved
/// is a configuration error.
access(all) fun vaultData(_ address: Address, _ name: String): FungibleTokenMetadataViews.FTVaultData {
    let token = getAccount(address).contracts.borrow<&{FungibleToken}>(name: name)
        ?? panic("setup_vault: no fungible token contract \(name) at \(address)")
    let view = token.resolveContractView(
        resourceType: nil,
        viewType: Type<FungibleTokenMetadataViews.FTVaultData>()
    )
    return view as? FungibleTokenMetadataViews.FTVaultData
        ?? panic("setup_vault: \(name) at \(address) does not resolve FTVaultData")
}
