import NaveAMQP
import NaveCore
import NaveStore

/// The keys of the hub's bounded parts (Tuning/reference.yaml), each with its range.
extension AMQPConnectionLimits {
    mutating func read(_ amqp: ConfigurationReader) {
        idleTimeoutMillis = amqp.int(forKey: "idleTimeoutMillis", default: idleTimeoutMillis, in: 0...3_600_000)
        frameBytesMax = amqp.int(forKey: "frameBytesMax", default: frameBytesMax, in: 512...(1 << 20))
        channelMax = amqp.int(forKey: "channelMax", default: channelMax, in: 0...1023)
        linksPerConnectionMax = amqp.int(forKey: "linksPerConnectionMax", default: linksPerConnectionMax, in: 4...4096)
        messageBytesMax = amqp.int(forKey: "messageBytesMax", default: messageBytesMax, in: 1024...(16 << 20))
        receiveCredit = amqp.int(forKey: "receiveCredit", default: receiveCredit, in: 1...10_000)
        openTimeoutMillis = amqp.int(forKey: "openTimeoutMillis", default: openTimeoutMillis, in: 100...600_000)
        eventBatchMax = amqp.int(forKey: "eventBatchMax", default: eventBatchMax, in: 1...10_000)
        outboundBytesHighWater = amqp.int(forKey: "outboundBytesHighWater", default: outboundBytesHighWater, in: (64 << 10)...(256 << 20))
    }
}

extension JobLimits {
    mutating func read(_ jobs: ConfigurationReader) {
        deviceOperationsPerSecondMax = jobs.int(forKey: "deviceOperationsPerSecondMax", default: deviceOperationsPerSecondMax, in: 1...100_000)
        deviceOperationsInFlightMax = jobs.int(forKey: "deviceOperationsInFlightMax", default: deviceOperationsInFlightMax, in: 1...10_000)
        activeJobsMax = jobs.int(forKey: "activeJobsMax", default: activeJobsMax, in: 1...10_000)
        jobsMax = jobs.int(forKey: "jobsMax", default: jobsMax, in: 1...100_000)
        deviceJobRowsMax = jobs.int(forKey: "deviceJobRowsMax", default: deviceJobRowsMax, in: 1...100_000_000)
        finishedJobRetentionSeconds = Int64(jobs.int(forKey: "finishedJobRetentionSeconds", default: Int(finishedJobRetentionSeconds),
                                                     in: 60...31_536_000))
        pacingSliceMillis = Int64(jobs.int(forKey: "pacingSliceMillis", default: Int(pacingSliceMillis), in: 10...1000))
    }
}

extension ImportExportLimits {
    mutating func read(_ keys: ConfigurationReader) {
        lineBytesMax = keys.int(forKey: "lineBytesMax", default: lineBytesMax, in: 1024...16_777_216)
        importLinesMax = keys.int(forKey: "importLinesMax", default: importLinesMax, in: 1...100_000_000)
        importErrorLinesMax = keys.int(forKey: "importErrorLinesMax", default: importErrorLinesMax, in: 1...10_000_000)
        importBatchDevicesMax = keys.int(forKey: "importBatchDevicesMax", default: importBatchDevicesMax, in: 1...100)
        readChunkBytes = keys.int(forKey: "readChunkBytes", default: readChunkBytes, in: 4096...16_777_216)
        writeChunkBytes = keys.int(forKey: "writeChunkBytes", default: writeChunkBytes, in: 4096...16_777_216)
        jobsKeptMax = keys.int(forKey: "jobsKeptMax", default: jobsKeptMax, in: 1...10_000)
    }
}

extension FileUploadSettings {
    mutating func read(_ upload: ConfigurationReader) {
        containerName = upload.string(forKey: "containerName", default: containerName)
        sasTTLSeconds = upload.int(forKey: "sasTtlSeconds", default: sasTTLSeconds, in: 60...86_400)
        notificationsEnabled = upload.bool(forKey: "notifications", default: notificationsEnabled)
        notificationTTLSeconds = upload.int(forKey: "notificationTtlSeconds", default: notificationTTLSeconds, in: 60...172_800)
        notificationLockSeconds = upload.int(forKey: "notificationLockSeconds", default: notificationLockSeconds, in: 5...300)
        notificationDeliveryCountMax = upload.int(forKey: "notificationMaxDeliveryCount", default: notificationDeliveryCountMax, in: 1...100)
        notificationsMax = upload.int(forKey: "notificationsMax", default: notificationsMax, in: 1...1_000_000)
        quotas.blobBytesMax = Int64(upload.int(forKey: "blobBytesMax", default: Int(quotas.blobBytesMax), in: (1 << 20)...(4 << 30)))
        quotas.deviceBytesMax = Int64(upload.int(forKey: "deviceBytesMax", default: Int(quotas.deviceBytesMax), in: (1 << 20)...(1 << 50)))
        quotas.totalBytesMax = Int64(upload.int(forKey: "totalBytesMax", default: Int(quotas.totalBytesMax), in: (1 << 20)...(1 << 50)))
    }
}

extension EventLogConfiguration {
    mutating func read(_ log: ConfigurationReader) {
        partitionCount = log.int(forKey: "partitionCount", default: partitionCount, in: 1...128)
        segmentBytesMax = log.int(forKey: "segmentBytesMax", default: segmentBytesMax, in: (64 << 10)...(4 << 30))
        groupCommitRecordsMax = log.int(forKey: "groupCommitRecordsMax", default: groupCommitRecordsMax, in: 1...Int.max)
        groupCommitDelayMicros = log.int(forKey: "groupCommitDelayMicros", default: groupCommitDelayMicros, in: 0...100_000)
        pendingAppendBytesMax = log.int(forKey: "pendingAppendBytesMax", default: pendingAppendBytesMax, in: 1...Int.max)
        retentionMillis = Int64(log.int(forKey: "retentionMillis", default: Int(retentionMillis), in: 1...604_800_000))
        retentionBytesMax = Int64(log.int(forKey: "retentionBytesMax", default: Int(retentionBytesMax), in: 1...Int.max))
    }
}
