import "FungibleToken"
import "FungibleTokenMetadataViews"
import "FlowToken"

/// The on-chain state of a batch of wallets, read in one script so that a
/// reconcile cycle costs one script per batch instead of several per wallet.
///
/// It must never abort on what it finds on chain: a missing account, vault
/// or capability, a foreign object at a token path, or a malformed key in
/// the database each turn into `false` for that wallet alone. It runs no
/// code of the accounts it inspects (no calls on their vaults or
/// receivers), so a hostile account cannot make the batch fail or run long.
/// Only the configured token contracts are called, once per batch.
///
/// Cost, measured on flow-emulator v1.22.0 with healthy accounts: about 230
/// computation per wallet with one token, so 432 wallets fit the default
/// script limit of 100,000 (about 400 with two tokens). Missing accounts
/// cost less. The request for 432 is 133 kB, far below the 4 MiB cap.

/// What the daemon needs to know about one configured token in one account.
access(all) struct TokenState {
    /// The token's vault sits at its storage path.
    access(all) let vault: Bool
    /// A receiver capability to that vault is published at the receiver path.
    access(all) let receiver: Bool
    /// A balance capability to that vault is published at the metadata path.
    access(all) let balanceCap: Bool
    /// The vault's balance, 0.0 without a vault.
    access(all) let balance: UFix64

    view init(vault: Bool, receiver: Bool, balanceCap: Bool, balance: UFix64) {
        self.vault = vault
        self.receiver = receiver
        self.balanceCap = balanceCap
        self.balance = balance
    }
}

/// What the daemon needs to know about one wallet.
access(all) struct WalletState {
    access(all) let address: Address
    /// An account exists at the address.
    access(all) let exists: Bool
    /// The key the database holds for this wallet is an unrevoked
    /// ECDSA_P256/SHA3_256 key of the account with full weight.
    access(all) let keyValid: Bool
    access(all) let flowBalance: UFix64
    /// FLOW the account may spend without falling below its storage reserve.
    access(all) let availableBalance: UFix64
    access(all) let storageUsed: UInt64
    access(all) let storageCapacity: UInt64
    /// /public/flowTokenReceiver leads to the account's own FLOW vault.
    access(all) let flowReceiver: Bool
    /// One entry per configured token, in the order given.
    access(all) let tokens: [TokenState]

    view init(
        address: Address,
        exists: Bool,
        keyValid: Bool,
        flowBalance: UFix64,
        availableBalance: UFix64,
        storageUsed: UInt64,
        storageCapacity: UInt64,
        flowReceiver: Bool,
        tokens: [TokenState]
    ) {
        self.address = address
        self.exists = exists
        self.keyValid = keyValid
        self.flowBalance = flowBalance
        self.availableBalance = availableBalance
        self.storageUsed = storageUsed
        self.storageCapacity = storageCapacity
        self.flowReceiver = flowReceiver
        self.tokens = tokens
    }
}

/// A configured token as resolved once per batch. `nil` fields mean the
/// token contract could not be borrowed or did not resolve FTVaultData; its
/// state is then false everywhere rather than an abort.
access(all) struct TokenInfo {
    access(all) let storagePath: StoragePath
    access(all) let receiverPath: PublicPath
    access(all) let metadataPath: PublicPath
    access(all) let vaultType: Type

    init(data: FungibleTokenMetadataViews.FTVaultData, vaultType: Type) {
        self.storagePath = data.storagePath
        self.receiverPath = data.receiverPath
        self.metadataPath = data.metadataPath
        self.vaultType = vaultType
    }
}

/// Key material we accept: 64 raw bytes of an uncompressed P-256 point
/// without the 04 prefix, as 128 hex digits.
access(all) let publicKeyHexLength = 128

/// Most keys looked at per account. Our accounts hold one; a hostile
/// account with thousands of keys must not eat the batch's compute.
access(all) let maxKeysExamined = 32

/// Lower-case form of `text` if it is exactly 128 hex digits, else nil.
/// Checked by hand because `String.decodeHex` aborts on bad input.
access(all) fun normalisedKeyHex(_ text: String): String? {
    if text.length != publicKeyHexLength {
        return nil
    }
    let lower = text.toLower()
    for c in lower.utf8 {
        let digit = c >= 48 && c <= 57
        let letter = c >= 97 && c <= 102
        if !digit && !letter {
            return nil
        }
    }
    return lower
}

/// True when `keyHex` (already normalised) is a usable signing key of the
/// account. Compares hex text rather than decoding the argument, so a
/// malformed key never reaches the crypto library. The algorithms are
/// compared by raw value: `==` between an account key's enum and the enum
/// case answers false on the emulator (Cadence v1.10).
access(all) fun holdsKey(_ account: &Account, _ keyHex: String): Bool {
    var found = false
    var examined = 0
    account.keys.forEach(fun(key: AccountKey): Bool {
        examined = examined + 1
        if !key.isRevoked
            && key.weight >= 1000.0
            && key.publicKey.signatureAlgorithm.rawValue == SignatureAlgorithm.ECDSA_P256.rawValue
            && key.hashAlgorithm.rawValue == HashAlgorithm.SHA3_256.rawValue
            && String.encodeHex(key.publicKey.publicKey) == keyHex {
            found = true
        }
        return !found && examined < maxKeysExamined
    })
    return found
}

/// True when the capability published at `path` was issued by the account
/// itself for `target` with a borrow type that is a `required`. Reads the
/// capability controller instead of borrowing, so no code of the account's
/// objects runs and a capability pointing elsewhere does not count.
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

/// True when an account lives at the address. Reads only what answers for
/// a missing account too (a storage type, a key slot); an account without
/// a FLOW vault and without keys is of no use to us and counts as missing.
access(all) view fun accountExists(_ account: &Account): Bool {
    return account.storage.type(at: /storage/flowTokenVault) != nil
        || account.keys.get(keyIndex: 0) != nil
}

/// True when /public/flowTokenReceiver leads to a FLOW vault of the account
/// itself: what top_up.cdc needs to pay it. A receiver of another kind (a
/// forwarder, a hostile resource) or one lent by another account is not
/// paid, so it does not count.
access(all) view fun receivesFlow(_ account: &Account): Bool {
    let capability = account.capabilities.get<&FlowToken.Vault>(/public/flowTokenReceiver)
    return capability.address == account.address && capability.check()
}

/// Resolves each configured token's paths and vault type through its
/// FTVaultData view.
access(all) fun resolveTokens(_ addresses: [Address], _ names: [String]): [TokenInfo?] {
    let infos: [TokenInfo?] = []
    var i = 0
    while i < names.length {
        infos.append(resolveToken(addresses[i], names[i]))
        i = i + 1
    }
    return infos
}

access(all) fun resolveToken(_ address: Address, _ name: String): TokenInfo? {
    let token = getAccount(address).contracts.borrow<&{FungibleToken}>(name: name)
    if token == nil {
        return nil
    }
    let view = token!.resolveContractView(
        resourceType: nil,
        viewType: Type<FungibleTokenMetadataViews.FTVaultData>()
    )
    if let data = view as? FungibleTokenMetadataViews.FTVaultData {
        // The vault type is what a correct vault must be. An empty vault
        // tells it; it is created once per batch and burned at once.
        let probe <- data.createEmptyVault()
        let vaultType = probe.getType()
        destroy probe
        return TokenInfo(data: data, vaultType: vaultType)
    }
    return nil
}

access(all) fun tokenState(_ account: auth(Storage, Capabilities) &Account, _ info: TokenInfo?): TokenState {
    if info == nil {
        return TokenState(vault: false, receiver: false, balanceCap: false, balance: 0.0)
    }
    let token = info!
    let stored = account.storage.type(at: token.storagePath)
    if stored != token.vaultType {
        return TokenState(vault: false, receiver: false, balanceCap: false, balance: 0.0)
    }
    let vault = account.storage.borrow<&{FungibleToken.Balance}>(from: token.storagePath)!
    return TokenState(
        vault: true,
        receiver: publishes(account, token.receiverPath, token.storagePath, Type<&{FungibleToken.Receiver}>()),
        balanceCap: publishes(account, token.metadataPath, token.storagePath, Type<&{FungibleToken.Balance}>()),
        balance: vault.balance
    )
}

access(all) fun main(
    addresses: [Address],
    publicKeys: [String],
    tokenAddresses: [Address],
    tokenNames: [String]
): [WalletState] {
    assert(
        tokenAddresses.length == tokenNames.length,
        message: "wallet_state: tokenAddresses and tokenNames must have the same length"
    )
    let tokens = resolveTokens(tokenAddresses, tokenNames)
    let missing: [TokenState] = []
    for token in tokens {
        missing.append(TokenState(vault: false, receiver: false, balanceCap: false, balance: 0.0))
    }

    let states: [WalletState] = []
    var i = 0
    while i < addresses.length {
        let address = addresses[i]
        let account = getAuthAccount<auth(Storage, Capabilities) &Account>(address)

        // Asking a missing account for its storage use or key count aborts
        // the script, so existence is judged from what cannot fail: every
        // account the chain creates gets a FLOW vault, and ours a key.
        if !accountExists(account) {
            states.append(WalletState(
                address: address, exists: false, keyValid: false,
                flowBalance: 0.0, availableBalance: 0.0,
                storageUsed: 0, storageCapacity: 0,
                flowReceiver: false, tokens: missing
            ))
            i = i + 1
            continue
        }

        var keyValid = false
        if i < publicKeys.length {
            if let keyHex = normalisedKeyHex(publicKeys[i]) {
                keyValid = holdsKey(account, keyHex)
            }
        }

        let tokenStates: [TokenState] = []
        for info in tokens {
            tokenStates.append(tokenState(account, info))
        }

        states.append(WalletState(
            address: address,
            exists: true,
            keyValid: keyValid,
            flowBalance: account.balance,
            availableBalance: account.availableBalance,
            storageUsed: account.storage.used,
            storageCapacity: account.storage.capacity,
            flowReceiver: receivesFlow(account),
            tokens: tokenStates
        ))
        i = i + 1
    }
    return states
}
