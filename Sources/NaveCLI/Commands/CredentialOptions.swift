import ArgumentParser
import NaveModel

/// The credentials `nave device create` and `nave module create` take (IoT Hub's
/// `authentication`), with the CLI's own error messages.
struct CredentialOptions: ParsableArguments {
    @Option(name: .long, help: "sas, selfSigned, certificateAuthority or none.") var auth = "sas"
    @Option(name: .long, help: "Base64 primary key (sas).") var primaryKey: String?
    @Option(name: .long, help: "Base64 secondary key (sas).") var secondaryKey: String?
    @Option(name: .long, help: "SHA-1 or SHA-256 thumbprint (selfSigned).") var primaryThumbprint: String?
    @Option(name: .long, help: "Second thumbprint (selfSigned).") var secondaryThumbprint: String?

    /// What was given; keys and thumbprints left out are generated or left empty by the hub.
    func authentication() throws -> Authentication {
        guard let kind = Authentication.Kind(rawValue: auth) else {
            throw CommandFailure(description: "--auth must be sas, selfSigned, certificateAuthority or none", status: .usage)
        }
        return Authentication(kind: kind, primaryKey: primaryKey, secondaryKey: secondaryKey,
                              primaryThumbprint: primaryThumbprint, secondaryThumbprint: secondaryThumbprint)
    }
}

/// The keys `nave device update` and `nave module update` may replace; the other is kept.
struct KeyOptions: ParsableArguments {
    @Option(name: .long, help: "Base64 primary key (sas).") var primaryKey: String?
    @Option(name: .long, help: "Base64 secondary key (sas).") var secondaryKey: String?

    /// `current` with the keys given replaced (SAS from then on), or unchanged when none was.
    func applied(to current: Authentication) -> Authentication {
        guard primaryKey != nil || secondaryKey != nil else { return current }
        return .sas(primaryKey: primaryKey ?? current.primaryKey ?? "", secondaryKey: secondaryKey ?? current.secondaryKey ?? "")
    }
}
