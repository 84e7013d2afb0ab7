/// Sandbox only: deploys a contract to the signer's account. The code comes
/// hex-encoded so that any text survives the argument encoding unchanged.
transaction(name: String, codeHex: String) {

    prepare(signer: auth(AddContract) &Account) {
        signer.contracts.add(name: name, code: codeHex.decodeHex())
    }
}
