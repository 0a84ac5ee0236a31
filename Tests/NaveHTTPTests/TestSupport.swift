import NaveCodecTestSupport
import NaveHTTP

// Both decoders already have `ResumableDecoder`'s shape, so `DecoderVerifier` and `decodeAll`
// drive them as they drive MQTT's.
extension HTTPRequestDecoder: ResumableDecoder {}
extension WebSocketFrameDecoder: ResumableDecoder {}

/// The seed of the request verifier's shuffles and chunk sizes ("HTTP").
let httpVerifierSeed: UInt64 = 0x4854_5450

func ascii(_ text: String) -> [UInt8] { Array(text.utf8) }
