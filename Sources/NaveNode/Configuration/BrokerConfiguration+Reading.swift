import NaveBroker
import NaveMQTT
import NaveMQTTBinding

/// The broker's and MQTT binding's keys (`mqtt.*` but the listeners and security,
/// Tuning/reference.yaml), with the ranges their `validate()` enforce.
extension BrokerConfiguration {
    mutating func read(_ mqtt: ConfigurationReader) {
        binding.maximumPacketBytes = mqtt.int(forKey: "maximumPacketBytes", default: binding.maximumPacketBytes,
                                              in: 64...MQTTFrameDecoder.protocolMaximumPacketBytes)
        binding.inflightWindowMessages = mqtt.int(forKey: "inflightWindowMessages", default: binding.inflightWindowMessages, in: 1...65_535)
        binding.sessionQueuedMessagesMax = mqtt.int(forKey: "sessionQueuedMessagesMax", default: binding.sessionQueuedMessagesMax,
                                                    in: 0...10_000_000)
        binding.subscriptionsPerClientMax = mqtt.int(forKey: "subscriptionsPerClientMax", default: binding.subscriptionsPerClientMax,
                                                     in: 1...1_000_000)
        binding.inboundUnreleasedQoS2Max = mqtt.int(forKey: "inboundUnreleasedQoS2Max", default: binding.inboundUnreleasedQoS2Max, in: 1...65_535)
        binding.topicLevelsMax = mqtt.int(forKey: "topicLevelsMax", default: binding.topicLevelsMax, in: 1...65_536)
        subscriberOutboundBytesMax = mqtt.int(forKey: "subscriberOutboundBytesMax", default: subscriberOutboundBytesMax, in: 64...(1 << 30))
        loopOutboundBytesMax = mqtt.int(forKey: "loopOutboundBytesMax", default: loopOutboundBytesMax, in: 64...(1 << 40))
        connectTimeoutMillis = mqtt.int(forKey: "connectTimeoutMillis", default: connectTimeoutMillis, in: 100...3_600_000)
        slowConsumerTimeoutMillis = mqtt.int(forKey: "slowConsumerTimeoutMillis", default: slowConsumerTimeoutMillis, in: 100...3_600_000)
        housekeepingIntervalMillis = mqtt.int(forKey: "housekeepingIntervalMillis", default: housekeepingIntervalMillis, in: 10...60_000)
        heldRetryIntervalMillis = mqtt.int(forKey: "heldRetryIntervalMillis", default: heldRetryIntervalMillis, in: 1...1_000)
        deviceOperationsInFlightMax = mqtt.int(forKey: "deviceOperationsInFlightMax", default: deviceOperationsInFlightMax, in: 1...65_535)
        overloadBackOffMillis = mqtt.int(forKey: "overloadBackOffMillis", default: overloadBackOffMillis, in: 0...1_000)
        retainedMessagesMax = mqtt.int(forKey: "retainedMessagesMax", default: retainedMessagesMax, in: 0...100_000_000)
        sessionsMax = mqtt.int(forKey: "sessionsMax", default: sessionsMax, in: 1...100_000_000)
    }
}
