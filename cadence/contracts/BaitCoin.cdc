import "FungibleToken"
import "MetadataViews"
import "FungibleTokenMetadataViews"

/// BaitCoin: the fungible token flowsync sets up in every user's wallet.
///
/// Written for the sandbox from the FungibleToken v2 standard, with the same
/// paths as the token deployed on mainnet, so that the daemon handles both
/// through the generic FTVaultData view and never by name.
///
/// Tokens only come into being through the Minter, which stays in the
/// deployer's storage and is never published. Total supply grows on minting
/// and shrinks when a vault is burned through `Burner.burn()`.
access(all) contract BaitCoin: FungibleToken {

    /// Emitted when the minter creates tokens.
    access(all) event TokensMinted(amount: UFix64, type: String)

    /// Emitted when a vault holding tokens is burned, after the standard's
    /// own `Burned` event.
    access(all) event TokensBurned(amount: UFix64, type: String)

    /// Tokens in existence: minted minus burned. Only this contract writes it.
    access(all) var totalSupply: UFix64

    /// Where a holder keeps the vault.
    access(all) let VaultStoragePath: StoragePath

    /// The public deposit-only capability.
    access(all) let ReceiverPublicPath: PublicPath

    /// The public capability for the balance and the metadata views.
    access(all) let VaultPublicPath: PublicPath

    /// Where the deployer keeps the minter.
    access(all) let MinterStoragePath: StoragePath

    /// The views the contract resolves, at contract and at vault level alike.
    access(all) view fun getContractViews(resourceType: Type?): [Type] {
        return [
            Type<FungibleTokenMetadataViews.FTView>(),
            Type<FungibleTokenMetadataViews.FTDisplay>(),
            Type<FungibleTokenMetadataViews.FTVaultData>(),
            Type<FungibleTokenMetadataViews.TotalSupply>()
        ]
    }

    /// Resolves one of the views above; nil for any other type.
    access(all) fun resolveContractView(resourceType: Type?, viewType: Type): AnyStruct? {
        switch viewType {
            case Type<FungibleTokenMetadataViews.FTView>():
                return FungibleTokenMetadataViews.FTView(
                    ftDisplay: self.display(),
                    ftVaultData: self.vaultData()
                )
            case Type<FungibleTokenMetadataViews.FTDisplay>():
                return self.display()
            case Type<FungibleTokenMetadataViews.FTVaultData>():
                return self.vaultData()
            case Type<FungibleTokenMetadataViews.TotalSupply>():
                return FungibleTokenMetadataViews.TotalSupply(totalSupply: self.totalSupply)
        }
        return nil
    }

    /// How wallets present the token.
    access(self) fun display(): FungibleTokenMetadataViews.FTDisplay {
        let logo = MetadataViews.Media(
            file: MetadataViews.HTTPFile(url: "https://baitcoin.example/logo.svg"),
            mediaType: "image/svg+xml"
        )
        return FungibleTokenMetadataViews.FTDisplay(
            name: "BaitCoin",
            symbol: "BAIT",
            description: "The reward token of the flowsync sandbox.",
            externalURL: MetadataViews.ExternalURL("https://baitcoin.example"),
            logos: MetadataViews.Medias([logo]),
            socials: {}
        )
    }

    /// Where and how a holder sets up a vault. Both capabilities borrow the
    /// concrete vault type; only `withdraw` needs an entitlement, and public
    /// capabilities never carry one.
    access(self) fun vaultData(): FungibleTokenMetadataViews.FTVaultData {
        return FungibleTokenMetadataViews.FTVaultData(
            storagePath: self.VaultStoragePath,
            receiverPath: self.ReceiverPublicPath,
            metadataPath: self.VaultPublicPath,
            receiverLinkedType: Type<&BaitCoin.Vault>(),
            metadataLinkedType: Type<&BaitCoin.Vault>(),
            createEmptyVaultFunction: (fun(): @{FungibleToken.Vault} {
                return <-BaitCoin.createEmptyVault(vaultType: Type<@BaitCoin.Vault>())
            })
        )
    }

    /// A holder's tokens. The standard's interface conditions check types
    /// and balances on every withdrawal and deposit; the bodies below only
    /// move the numbers.
    access(all) resource Vault: FungibleToken.Vault {

        access(all) var balance: UFix64

        init(balance: UFix64) {
            self.balance = balance
        }

        /// Called by `Burner.burn()`: the burned tokens leave the supply.
        /// A vault destroyed without the Burner keeps counting, which is
        /// why holders are expected to burn, not destroy.
        access(contract) fun burnCallback() {
            if self.balance > 0.0 {
                BaitCoin.totalSupply = BaitCoin.totalSupply - self.balance
                emit TokensBurned(amount: self.balance, type: self.getType().identifier)
            }
            self.balance = 0.0
        }

        access(all) view fun getViews(): [Type] {
            return BaitCoin.getContractViews(resourceType: self.getType())
        }

        access(all) fun resolveView(_ view: Type): AnyStruct? {
            return BaitCoin.resolveContractView(resourceType: self.getType(), viewType: view)
        }

        access(all) view fun getSupportedVaultTypes(): {Type: Bool} {
            return {self.getType(): true}
        }

        access(all) view fun isSupportedVaultType(type: Type): Bool {
            return type == self.getType()
        }

        access(all) view fun isAvailableToWithdraw(amount: UFix64): Bool {
            return amount <= self.balance
        }

        access(FungibleToken.Withdraw) fun withdraw(amount: UFix64): @BaitCoin.Vault {
            self.balance = self.balance - amount
            return <-create Vault(balance: amount)
        }

        access(all) fun deposit(from: @{FungibleToken.Vault}) {
            let incoming <- from as! @BaitCoin.Vault
            self.balance = self.balance + incoming.balance
            // The tokens now live in this vault; the empty shell goes.
            incoming.balance = 0.0
            destroy incoming
        }

        access(all) fun createEmptyVault(): @BaitCoin.Vault {
            return <-create Vault(balance: 0.0)
        }
    }

    /// Creates tokens. Kept in the deployer's storage; whoever can borrow it
    /// can mint, so it is never published.
    access(all) resource Minter {

        /// Mints `amount` new tokens into a fresh vault.
        access(all) fun mintTokens(amount: UFix64): @BaitCoin.Vault {
            pre {
                amount > 0.0: "BaitCoin.Minter.mintTokens: the amount must be positive"
            }
            BaitCoin.totalSupply = BaitCoin.totalSupply + amount
            let vault <- create Vault(balance: amount)
            emit TokensMinted(amount: amount, type: vault.getType().identifier)
            return <-vault
        }
    }

    /// An empty vault, for anyone who wants to hold BaitCoin.
    access(all) fun createEmptyVault(vaultType: Type): @BaitCoin.Vault {
        pre {
            vaultType == Type<@BaitCoin.Vault>():
                "BaitCoin.createEmptyVault: this contract only creates vaults of type \(Type<@BaitCoin.Vault>().identifier), not \(vaultType.identifier)"
        }
        return <-create Vault(balance: 0.0)
    }

    init() {
        self.totalSupply = 0.0
        self.VaultStoragePath = /storage/baitCoinVault
        self.ReceiverPublicPath = /public/baitCoinReceiver
        self.VaultPublicPath = /public/baitCoinVault
        self.MinterStoragePath = /storage/baitCoinMinter

        // The deployer holds an empty vault like everyone else, and the
        // minter. No tokens exist until someone mints them.
        self.account.storage.save(<-create Vault(balance: 0.0), to: self.VaultStoragePath)
        let receiver = self.account.capabilities.storage.issue<&BaitCoin.Vault>(self.VaultStoragePath)
        self.account.capabilities.publish(receiver, at: self.ReceiverPublicPath)
        let balance = self.account.capabilities.storage.issue<&BaitCoin.Vault>(self.VaultStoragePath)
        self.account.capabilities.publish(balance, at: self.VaultPublicPath)

        self.account.storage.save(<-create Minter(), to: self.MinterStoragePath)
    }
}
