import NaveAuth
import Testing

/// The ACL file's parser and checks, with the table of Mosquitto's
/// test/broker/09-acl-access-variants.py and the rules of `security_default.c`.
@Suite("Mosquitto ACL file")
struct MosquittoACLTests {
    /// 09-acl-access-variants.py's file with all three parts on.
    static let variants = """
        topic readwrite topic/global/#
        topic deny      topic/global/except
        user username
        topic readwrite topic/username/#
        topic deny      topic/username/except
        pattern readwrite pattern/%u/#
        pattern deny      pattern/%u/except
        """

    @Test("Mosquitto's access variants: publish allowed or denied", arguments: [
        (nil, "topic/global", true), ("username", "topic/global", false), (nil, "topic/global/except", false),
        (nil, "topic/username", false), ("username", "topic/username", true), ("username", "topic/username/except", false),
        (nil, "pattern/username", false), ("username", "pattern/username", true), ("username", "pattern/username/except", false),
    ] as [(String?, String, Bool)])
    func variants(username: String?, topic: String, allowed: Bool) throws {
        let acl = try AccessControlList(parsing: Self.variants)
        let access = acl.access(clientID: "acl-check", username: username)
        #expect(access.mayPublish(topic) == allowed)
        #expect(access.mayRead(topic) == allowed)
    }

    @Test("the parser: comments, words, access kinds, users, patterns")
    func parse() throws {
        let acl = try AccessControlList(parsing: """
            # anonymous
            topic public/#

              topic read  spaced topic/x  \r
            topic read
            user bob smith
            topic write bob/out
            pattern deny %c/secret
            user alice
            topic deny alice/#
            """)
        #expect(acl.anonymousRules == [.init(.readwrite, "public/#"), .init(.read, "spaced topic/x"), .init(.readwrite, "read")])
        #expect(acl.userRules["bob smith"] == [.init(.write, "bob/out")])
        #expect(acl.userRules["alice"] == [.init(.deny, "alice/#")])
        #expect(acl.patterns == [.init(.deny, "%c/secret")])
    }

    @Test("invalid lines refuse the file with their line number", arguments: [
        ("topic", AccessControlListRefusal.missingTopic),
        ("topic sometimes a/b", .unknownAccess),
        ("topic read a/#/b", .invalidTopic),
        ("pattern read a+", .invalidTopic),
        ("user", .missingUsername),
        ("allow a/b", .unknownKeyword),
        ("  # indented comment", .unknownKeyword),
        ("topic\tread a", .unknownKeyword),
    ] as [(String, AccessControlListRefusal)])
    func invalid(line: String, reason: AccessControlListRefusal) {
        #expect(throws: AccessControlListError(line: 2, reason: reason)) { try AccessControlList(parsing: "topic ok\n\(line)\n") }
    }

    @Test("an empty ACL file denies everything")
    func emptyDenies() throws {
        let access = try AccessControlList(parsing: "# nothing\n").access(clientID: "c", username: nil)
        #expect(!access.mayPublish("a"))
        #expect(!access.mayRead("a"))
        #expect(!access.maySubscribe("#"))
    }

    @Test("read, write and deny rules; deny wins over a later allow in the same group")
    func accessKinds() throws {
        let access = try AccessControlList(parsing: """
            topic read r/#
            topic write w/#
            topic readwrite rw/#
            topic rw/secret
            topic deny rw/secret
            """).access(clientID: "c", username: nil)
        #expect(access.mayRead("r/1") && !access.mayPublish("r/1"))
        #expect(!access.mayRead("w/1") && access.mayPublish("w/1"))
        #expect(access.mayRead("rw/1") && access.mayPublish("rw/1"))
        #expect(!access.mayRead("rw/secret") && !access.mayPublish("rw/secret"))
    }

    @Test("a user's own rules come before the patterns, a pattern deny does not undo them")
    func userBeforePatterns() throws {
        let acl = try AccessControlList(parsing: "user u\ntopic read shared/x\npattern deny shared/#\npattern read shared/#\n")
        #expect(acl.access(clientID: "c", username: "u").mayRead("shared/x"))
        #expect(!acl.access(clientID: "c", username: "u").mayRead("shared/y"))
        #expect(!acl.access(clientID: "c", username: "other").mayRead("shared/x"))
    }

    @Test("%c and %u are substituted; a %u pattern skips anonymous clients")
    func substitution() throws {
        let acl = try AccessControlList(parsing: "pattern readwrite devices/%c/#\npattern read users/%u/%c\n")
        let anonymous = acl.access(clientID: "dev1", username: nil)
        #expect(anonymous.mayPublish("devices/dev1/t") && !anonymous.mayPublish("devices/dev2/t"))
        #expect(!anonymous.mayRead("users/%u/dev1"))
        let named = acl.access(clientID: "dev1", username: "ann")
        #expect(named.mayRead("users/ann/dev1") && !named.mayRead("users/bob/dev1"))
        // A client id with a slash spans levels, as the substituted text does in Mosquitto.
        #expect(acl.access(clientID: "a/b", username: nil).mayPublish("devices/a/b/x"))
    }

    @Test("a + or # in the username or client id loses every pattern, not the user's own rules")
    func dangerousNames() throws {
        let acl = try AccessControlList(parsing: "user u+\ntopic read own/x\npattern readwrite devices/%c/#\n")
        #expect(!acl.access(clientID: "#", username: nil).mayPublish("devices/#/x"))
        #expect(!acl.access(clientID: "+", username: nil).mayRead("devices/a/x"))
        let dangerousUser = acl.access(clientID: "c", username: "u+")
        #expect(dangerousUser.mayRead("own/x"))
        #expect(!dangerousUser.mayPublish("devices/c/x"))
        // Without patterns nothing is substituted, so such names are harmless.
        #expect(try AccessControlList(parsing: "topic a").access(clientID: "#", username: nil).mayPublish("a"))
    }

    @Test("$ topics: wildcards do not reach them, $SYS is never written, $share never a topic")
    func dollarTopics() throws {
        let access = try AccessControlList(parsing: "topic readwrite #\ntopic readwrite $SYS/#\ntopic readwrite $share/#\n")
            .access(clientID: "c", username: nil)
        #expect(access.mayRead("$SYS/broker/uptime"))
        #expect(!access.mayPublish("$SYS/broker/uptime"))
        #expect(!access.mayPublish("$share/g/t") && !access.mayRead("$share/g/t"))
        let plain = try AccessControlList(parsing: "topic readwrite #").access(clientID: "c", username: nil)
        #expect(!plain.mayRead("$SYS/x") && plain.mayRead("x"))
    }

    @Test("SUBSCRIBE: refused only when nothing it matches could be read", arguments: [
        ("#", true), ("sensors/+", true), ("sensors/secret/#", false), ("sensors/secret/a", false),
        ("sensors/public", true), ("other/x", false), ("write/only", false), ("$SYS/#", false), ("+/secret/x", true),
    ])
    func subscribe(filter: String, granted: Bool) throws {
        let access = try AccessControlList(parsing: """
            topic read sensors/#
            topic deny sensors/secret/#
            topic write write/only
            """).access(clientID: "c", username: nil)
        #expect(access.maySubscribe(filter) == granted)
    }
}
