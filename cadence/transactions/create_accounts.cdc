import "FungibleToken"
import "FungibleTokenMetadataViews"
import "FlowToken"

/// Creates one account per public key, in order, all paid by the signer (the
/// service account). Each new account gets its key (ECDSA_P256, SHA3_256,
/// full weight), a vault of every configured token with its receiver and
/// balance capabilities, and `funding` FLOW on top of what account creation
/// itself deposits. Each emits one `flow.AccountCreated`, in the order of
/// `publicKeys`, which is how the daemon matches addresses to users.
///
/// Everything is checked before the first account is made, so a bad
/// argument aborts with a clear message and creates nothing.
///
/// Cost, measured on flow-emulator v1.22.0 with BaitCoin as the one token
/// and funding: about 76 + 360 computation per account, so 27 accounts fit
/// the 9999 limit and 28 do not.
transaction(publicKeys: [String], funding: UFix64, tokenAddresses: [Address], tokenNames: [String]) {

    let payer: auth(BorrowValue) &Account
    let flowVault: auth(FungibleToken.Withdraw) &FlowToken.Vault
    let tokens: [FungibleTokenMetadataViews.FTVaultData]
    let keys: [[UInt8]]

    prepare(signer: auth(BorrowValue) &Account) {
        pre {
            publicKeys.length > 0: "create_accounts: no public keys given"
            tokenAddresses.length == tokenNames.length:
                "create_accounts: tokenAddresses and tokenNames differ in length"
        }
        self.payer = signer
        self.flowVault = signer.storage.borrow<auth(FungibleToken.Withdraw) &FlowToken.Vault>(
            from: /storage/flowTokenVault
        ) ?? panic("create_accounts: the signer has no FLOW vault at /storage/flowTokenVault")

        self.keys = []
        var i = 0
        while i < publicKeys.length {
            self.keys.append(decodeKey(publicKeys[i], index: i))
            i = i + 1
        }

        self.tokens = []
        i = 0
        while i < tokenNames.length {
            self.tokens.append(vaultData(tokenAddresses[i], tokenNames[i]))
            i = i + 1
        }
    }

    execute {
        for key in self.keys {
            let account = Account(payer: self.payer)
            account.keys.add(
                publicKey: PublicKey(
                    publicKey: key,
                    signatureAlgorithm: SignatureAlgorithm.ECDSA_P256
                ),
                hashAlgorithm: HashAlgorithm.SHA3_256,
                weight: 1000.0
            )

            for data in self.tokens {
                account.storage.save(<-data.createEmptyVault(), to: data.storagePath)
                account.capabilities.publish(
                    account.capabilities.storage.issueWithType(data.storagePath, type: data.receiverLinkedType),
                    at: data.receiverPath
                )
                account.capabilities.publish(
                    account.capabilities.storage.issueWithType(data.storagePath, type: data.metadataLinkedType),
                    at: data.metadataPath
                )
            }

            if funding > 0.0 {
                let receiver = account.capabilities.borrow<&{FungibleToken.Receiver}>(
                    /public/flowTokenReceiver
                ) ?? panic("create_accounts: a new account has no FLOW receiver")
                receiver.deposit(from: <-self.flowVault.withdraw(amount: funding))
            }
        }
    }
}

/// The 64 key bytes of `text`, which must be 128 hex digits. Checked first
/// because `String.decodeHex` aborts with a message that names no key.
access(all) fun decodeKey(_ text: String, index: Int): [UInt8] {
    var valid = text.length == 128
    if valid {
        for c in text.utf8 {
            if !((c >= 48 && c <= 57) || (c >= 97 && c <= 102) || (c >= 65 && c <= 70)) {
                valid = false
                break
            }
        }
    }
    assert(valid, message: "create_accounts: public key #\(index) is not 128 hex digits")
    return text.decodeHex()
}

/// A configured token's FTVaultData view. A token that cannot be resolved
/// is a configuration error: abort before any account is made.
access(all) fun vaultData(_ address: Address, _ name: String): FungibleTokenMetadataViews.FTVaultData {
    let token = getAccount(address).contracts.borrow<&{FungibleToken}>(name: name)
        ?? panic("create_accounts: no fungible token contract \(name) at \(address)")
    let view = token.resolveContractView(
        resourceType: nil,
        viewType: Type<FungibleTokenMetadataViews.FTVaultData>()
    )
    return view as? FungibleTokenMetadataViews.FTVaultData
        ?? panic("create_accounts: \(name) at \(address) does not resolve FTVaultData")
}
