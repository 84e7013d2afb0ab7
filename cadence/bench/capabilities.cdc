import "FungibleToken"
import "FungibleTokenMetadataViews"

/// The per-wallet pattern flowsync replaced, third of its three checks:
/// whether one account holds a vault of one configured token and has its
/// receiver and balance capabilities published, as [vault, receiver,
/// balance]. All false when the token does not resolve. Used only by the
/// benchmark (tools/bench).
access(all) fun main(address: Address, tokenAddress: Address, tokenName: String): [Bool] {
    let token = getAccount(tokenAddress).contracts.borrow<&{FungibleToken}>(name: tokenName)
    if token == nil {
        return [false, false, false]
    }
    let view = token!.resolveContractView(
        resourceType: nil,
        viewType: Type<FungibleTokenMetadataViews.FTVaultData>()
    )
    if let data = view as? FungibleTokenMetadataViews.FTVaultData {
        let account = getAuthAccount<auth(Storage) &Account>(address)
        let publicAccount = getAccount(address)
        return [
            account.storage.type(at: data.storagePath) != nil,
            publicAccount.capabilities.get<&{FungibleToken.Receiver}>(data.receiverPath).check(),
            publicAccount.capabilities.get<&{FungibleToken.Balance}>(data.metadataPath).check()
        ]
    }
    return [false, false, false]
}
