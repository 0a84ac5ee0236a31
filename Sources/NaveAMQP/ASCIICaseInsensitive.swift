extension Collection<UInt8> {
    /// Whether these bytes spell `lowercase` with ASCII letters in either case. AMQP addresses'
    /// fixed words (`ConsumerGroups`, `$cbs`) and the selector's annotation names are matched
    /// this way; other bytes, UTF-8 ones included, must be equal.
    func equalsIgnoringASCIICase(_ lowercase: String) -> Bool {
        elementsEqual(lowercase.utf8) { byte, expected in
            (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte) ? byte | 0x20 == expected : byte == expected
        }
    }
}
