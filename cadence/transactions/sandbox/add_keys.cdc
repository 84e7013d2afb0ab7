/// Sandbox only: adds `count` copies of `publicKey` (ECDSA_P256, SHA3_256)
/// with `weight` to the signer. The sandbox gives the service account
/// weight-0 copies of its main key as proposal keys, so that several
/// workers can propose at once with their own sequence numbers while key 0
/// pays.
transaction(publicKey: String, count: Int, weight: UFix64) {

    prepare(signer: auth(AddKey) &Account) {
        pre {
            count > 0: "add_keys: count must be positive"
            weight <= 1000.0: "add_keys: weight is at most 1000.0"
        }
        let key = PublicKey(
            publicKey: publicKey.decodeHex(),
            signatureAlgorithm: SignatureAlgorithm.ECDSA_P256
        )
        var added = 0
        while added < count {
            signer.keys.add(publicKey: key, hashAlgorithm: HashAlgorithm.SHA3_256, weight: weight)
            added = added + 1
        }
    }
}
