import "FungibleToken"
import "FungibleTokenMetadataViews"

/// The per-wallet pattern flowsync replaced, second of its three checks:
/// the balance of one configured token in one account, through the
/// balance capability at the token's metadata path. nil when the token
/// does not resolve or the account has no such capability. Used only by
/// the benchmark (tools/bench).
access(all) fun main(address: Address, tokenAddress: Address, tokenName: String): UFix64? {
    let token = getAccount(tokenAddress).contracts.borrow<&{FungibleToken}>(name: tokenName)
    if token == nil {
        return nil
    }
    let view = token!.resolveContractView(
        resourceType: nil,
        viewType: Type<FungibleTokenMetadataViews.FTVaultData>()
    )
    if let data = view as? FungibleTokenMetadataViews.FTVaultData {
        let balance = getAccount(address).capabilities.borrow<&{FungibleToken.Balance}>(data.metadataPath)
        return balance?.balance
    }
    return nil
}
