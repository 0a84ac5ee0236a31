import NaveMQTTBinding
import Testing

@Suite("IoT Hub device topics")
struct IoTHubTopicTests {
    @Test("what devices publish is parsed as the contract's §1.6 table says")
    func published() {
        #expect(IoTHubTopic(publishedTopic: "devices/dev1/messages/events/") == .telemetry(deviceID: "dev1", moduleID: nil, propertyBag: ""))
        #expect(IoTHubTopic(publishedTopic: "devices/dev1/messages/events/%24.mid=m1&a=b")
                == .telemetry(deviceID: "dev1", moduleID: nil, propertyBag: "%24.mid=m1&a=b"))
        #expect(IoTHubTopic(publishedTopic: "devices/dev1/messages/events") == .telemetry(deviceID: "dev1", moduleID: nil, propertyBag: ""))
        #expect(IoTHubTopic(publishedTopic: "devices/dev1/modules/mod1/messages/events/%24.on=output1")
                == .telemetry(deviceID: "dev1", moduleID: "mod1", propertyBag: "%24.on=output1"))
        #expect(IoTHubTopic(publishedTopic: "$iothub/twin/GET/?$rid=abc") == .twinGet(requestID: "abc"))
        #expect(IoTHubTopic(publishedTopic: "$iothub/twin/PATCH/properties/reported/?$rid=7") == .twinReportedPatch(requestID: "7"))
        #expect(IoTHubTopic(publishedTopic: "$iothub/methods/res/200/?$rid=9f-1") == .methodResponse(status: 200, requestID: "9f-1"))
    }

    @Test("topics outside the surface, and bad or missing $rid, are refused")
    func refused() {
        for topic in ["devices/dev1/messages/devicebound/x", "a/b", "$iothub/twin/GET/", "$iothub/twin/GET/?$rid=",
                      "$iothub/methods/res/abc/?$rid=1", "$iothub/methods/res/200/", "devices/dev1/modules/m/inputs/x",
                      "$iothub/twin/PATCH/properties/desired/?$rid=1", "devices", ""] {
            #expect(IoTHubTopic(publishedTopic: topic) == nil, "\(topic)")
        }
    }

    @Test("a device may subscribe only to its own IoT Hub filters")
    func subscriptions() {
        for filter in ["$iothub/methods/POST/#", "$iothub/twin/res/#", "$iothub/twin/PATCH/properties/desired/#",
                       "devices/dev1/messages/devicebound/#"] {
            #expect(IoTHubTopic.allowsSubscription(filter, deviceID: "dev1", moduleID: nil), "\(filter)")
        }
        for filter in ["devices/dev2/messages/devicebound/#", "#", "devices/+/messages/devicebound/#", "$iothub/#",
                       "devices/dev1/modules/m1/inputs/#"] {
            #expect(!IoTHubTopic.allowsSubscription(filter, deviceID: "dev1", moduleID: nil), "\(filter)")
        }
        #expect(IoTHubTopic.allowsSubscription("devices/dev1/modules/m1/inputs/#", deviceID: "dev1", moduleID: "m1"))
        #expect(!IoTHubTopic.allowsSubscription("devices/dev1/messages/devicebound/#", deviceID: "dev1", moduleID: "m1"))
    }

    @Test("what the hub publishes is built as the SDK parses it")
    func built() {
        #expect(IoTHubTopic.twinResponse(status: 204, requestID: "r1", version: 5) == "$iothub/twin/res/204/?$rid=r1&$version=5")
        #expect(IoTHubTopic.desiredPatch(version: 4) == "$iothub/twin/PATCH/properties/desired/?$version=4")
        #expect(IoTHubTopic.methodRequest(name: "reboot", requestID: "1") == "$iothub/methods/POST/reboot/?$rid=1")
        #expect(IoTHubTopic.cloudToDevice(deviceID: "dev1", propertyBag: "%24.mid=c1") == "devices/dev1/messages/devicebound/%24.mid=c1")
    }
}
