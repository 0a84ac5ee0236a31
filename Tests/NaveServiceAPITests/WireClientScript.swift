/// An independent client for the node's TLS listeners, in Python's standard library only
/// (`ssl`, `socket`, `hashlib`): HTTP/1.1 requests written and read by hand, a WebSocket client
/// with masked frames (RFC 6455 §5.3), and MQTT 3.1.1 CONNECT/CONNACK. Each mode prints one
/// JSON object. Every socket operation has a timeout, so a silent server cannot hang it.
let wireClientScript = #"""
import base64, hashlib, json, os, select, socket, ssl, struct, sys, time

STEP_TIMEOUT = 5.0

def tls_connect(port, ca, cert=None, key=None):
    context = ssl.create_default_context(cafile=ca)
    if cert:
        context.load_cert_chain(cert, key)
    raw = socket.create_connection(("127.0.0.1", port), timeout=STEP_TIMEOUT)
    return context.wrap_socket(raw, server_hostname="localhost")

class Reader:
    """Buffered reads; EOFError when the peer closes before enough bytes arrived."""
    def __init__(self, sock):
        self.sock, self.buf = sock, b""
    def fill(self):
        data = self.sock.recv(65536)
        if not data:
            raise EOFError
        self.buf += data
    def until(self, marker):
        while marker not in self.buf:
            self.fill()
        end = self.buf.index(marker) + len(marker)
        out, self.buf = self.buf[:end], self.buf[end:]
        return out
    def exactly(self, count):
        while len(self.buf) < count:
            self.fill()
        out, self.buf = self.buf[:count], self.buf[count:]
        return out
    def closes_within(self, seconds):
        """True when the peer ends the connection within `seconds` (EOF or reset)."""
        deadline = time.monotonic() + seconds
        try:
            while True:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self.sock.settimeout(left)
                data = self.sock.recv(65536)
                if not data:
                    return True
                self.buf += data
        except (socket.timeout, TimeoutError):
            return False
        except (ConnectionError, ssl.SSLError, OSError):
            return True
        finally:
            self.sock.settimeout(STEP_TIMEOUT)

def http_request(method, path, token=None, body=b"", extra=(), close=False):
    lines = [f"{method} {path} HTTP/1.1", "Host: localhost", "Accept: application/json"]
    if token:
        lines.append(f"Authorization: {token}")
    lines += list(extra)
    if body:
        lines.append("Content-Type: application/json; charset=utf-8")
    lines.append(f"Content-Length: {len(body)}")
    if close:
        lines.append("Connection: close")
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body

def http_response(reader):
    head = reader.until(b"\r\n\r\n").decode("latin-1")
    lines = head.split("\r\n")[:-2]
    status = int(lines[0].split(" ")[1])
    fields = [line.split(":", 1) for line in lines[1:]]
    headers = {name.strip().lower(): value.strip() for name, value in fields}
    length = int(headers.get("content-length", "0"))
    body = reader.exactly(length).decode() if length else ""
    return {"status": status, "headers": headers, "lines": lines, "body": body}

def api(path):
    return path + ("&" if "?" in path else "?") + "api-version=2021-04-12"

# MQTT 3.1.1 (§3.1, §3.2)
def mqtt_string(data):
    return struct.pack("!H", len(data)) + data

def mqtt_packet(first_byte, body):
    length, encoded = len(body), b""
    while True:
        byte, length = length % 128, length // 128
        encoded += bytes([byte | (0x80 if length else 0)])
        if not length:
            break
    return bytes([first_byte]) + encoded + body

def mqtt_connect(client_id, username, password, keepalive=60, will=None):
    """`will`: (topic, payload, retain) or None; a username of None sends none."""
    flags = (0x80 if username is not None else 0) | (0x40 if password is not None else 0)
    if will:
        flags |= 0x04 | (0x20 if will[2] else 0)
    variable = mqtt_string(b"MQTT") + bytes([4, flags]) + struct.pack("!H", keepalive)
    payload = mqtt_string(client_id.encode())
    if will:
        payload += mqtt_string(will[0].encode()) + mqtt_string(will[1])
    if username is not None:
        payload += mqtt_string(username.encode())
    if password is not None:
        payload += mqtt_string(password.encode())
    return mqtt_packet(0x10, variable + payload)

# WebSocket (RFC 6455 §5.2): client frames masked, FIN set.
def ws_frame(opcode, payload):
    mask = os.urandom(4)
    header = bytes([0x80 | opcode])
    if len(payload) < 126:
        header += bytes([0x80 | len(payload)])
    else:
        header += bytes([0x80 | 126]) + struct.pack("!H", len(payload))
    return header + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload))

def ws_read_frame(reader):
    first, second = reader.exactly(2)
    length = second & 0x7F
    if length == 126:
        length = struct.unpack("!H", reader.exactly(2))[0]
    elif length == 127:
        length = struct.unpack("!Q", reader.exactly(8))[0]
    mask = reader.exactly(4) if second & 0x80 else None
    payload = reader.exactly(length)
    if mask:
        payload = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
    return {"fin": bool(first & 0x80), "opcode": first & 0x0F, "masked": mask is not None, "payload": payload.hex()}

def ws_upgrade(tls, protocol):
    key = base64.b64encode(os.urandom(16)).decode()
    lines = ["GET /$iothub/websocket HTTP/1.1", "Host: localhost:443", "Upgrade: websocket", "Connection: Upgrade",
             "Origin: https://localhost:443", f"Sec-WebSocket-Key: {key}", "Sec-Websocket-Version: 13"]
    if protocol:
        lines.append(f"Sec-Websocket-Protocol: {protocol}")
    tls.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
    expected = base64.b64encode(hashlib.sha1((key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11").encode()).digest()).decode()
    return expected

def mode_request(port, ca, token, method, path, body=""):
    tls = tls_connect(int(port), ca)
    tls.sendall(http_request(method, api(path), token, body.encode(), close=True))
    return http_response(Reader(tls))

def mode_keepalive(port, ca, token):
    tls = tls_connect(int(port), ca)
    reader = Reader(tls)
    responses = []
    for path in ["/statistics/devices", "/devices/ka1", "/devices/ghost"]:
        tls.sendall(http_request("GET", api(path), token))
        responses.append(http_response(reader))
    return {"responses": responses, "open": not reader.closes_within(0.3)}

def mode_idle(port, ca, token, seconds):
    tls = tls_connect(int(port), ca)
    reader = Reader(tls)
    tls.sendall(http_request("GET", api("/statistics/devices"), token))
    response = http_response(reader)
    answered = time.monotonic()
    closed = reader.closes_within(float(seconds))
    return {"status": response["status"], "closed": closed, "idleSeconds": time.monotonic() - answered}

def mode_pipeline(port, ca, token, *ids):
    tls = tls_connect(int(port), ca)
    reader = Reader(tls)
    burst = b"".join(http_request("GET", api(f"/devices/{i}"), token, close=(n == len(ids) - 1)) for n, i in enumerate(ids))
    tls.sendall(burst)
    responses = [http_response(reader) for _ in ids]
    return {"responses": responses, "closed": reader.closes_within(3)}

def peer_spoke(tls, reader, seconds):
    """Waits up to `seconds` for application data (or the end); TLS records without data,
    such as TLS 1.3 session tickets, do not count."""
    deadline = time.monotonic() + seconds
    while True:
        if reader.buf or tls.pending():
            return True
        left = deadline - time.monotonic()
        if left <= 0 or not select.select([tls], [], [], left)[0]:
            return False
        tls.setblocking(False)
        try:
            data = tls.recv(65536)
            reader.buf += data
            return True
        except ssl.SSLWantReadError:
            continue
        except OSError:
            return True
        finally:
            tls.settimeout(STEP_TIMEOUT)

def mode_trickle(port, ca, token, how, gap):
    gap = float(gap)
    request = http_request("GET", api("/statistics/devices"), token, extra=[f"X-Pad-{n}: {n}" for n in range(12)])
    if how == "bytes":
        pieces = [request[i:i + 1] for i in range(len(request))]
    else:
        pieces = [line + b"\n" for line in request.split(b"\n") if line]
    tls = tls_connect(int(port), ca)
    reader = Reader(tls)
    start = None
    sent = 0
    for piece in pieces:
        # Wait `gap` for an early answer: stop sending as soon as the server speaks.
        if peer_spoke(tls, reader, gap):
            break
        try:
            tls.sendall(piece)
        except OSError:
            break
        start = start or time.monotonic()
        sent += 1
    try:
        response = http_response(reader)
    except (EOFError, OSError) as error:
        return {"status": None, "error": repr(error), "sentPieces": sent, "pieces": len(pieces)}
    elapsed = time.monotonic() - start
    return {"status": response["status"], "headers": response["headers"], "elapsed": elapsed,
            "sentPieces": sent, "pieces": len(pieces), "closed": reader.closes_within(3)}

def mode_toolarge(port, ca, token, length, send_body="no"):
    """Announces a body of `length` bytes; with send_body=yes sends all of it before reading,
    as requests does, else only the head."""
    tls = tls_connect(int(port), ca)
    reader = Reader(tls)
    head = http_request("PUT", api("/devices/big"), token)
    head = head.replace(b"Content-Length: 0", f"Content-Length: {length}\r\nContent-Type: application/json".encode())
    tls.sendall(head)
    sent_body = None
    if send_body == "yes":
        try:
            tls.sendall(b"1" * int(length))
            sent_body = True
        except OSError as error:
            sent_body = repr(error)
    try:
        response = http_response(reader)
    except (EOFError, OSError) as error:
        return {"response": None, "error": repr(error), "sentBody": sent_body}
    closed = reader.closes_within(3)
    tls2 = tls_connect(int(port), ca)
    tls2.sendall(http_request("GET", api("/statistics/devices"), token, close=True))
    after = http_response(Reader(tls2))
    return {"response": response, "closed": closed, "after": after, "sentBody": sent_body}

def mode_websocket(port, ca, client_id, username, password):
    tls = tls_connect(int(port), ca)
    reader = Reader(tls)
    expected = ws_upgrade(tls, "mqtt")
    head = reader.until(b"\r\n\r\n").decode("latin-1").split("\r\n")[:-2]
    result = {"status": int(head[0].split(" ")[1]), "lines": head, "expectedAccept": expected}
    connect = mqtt_connect(client_id, username, password)
    middle = len(connect) // 2
    tls.sendall(ws_frame(2, connect[:middle]))
    time.sleep(0.05)
    tls.sendall(ws_frame(2, connect[middle:]))
    result["connack"] = ws_read_frame(reader)
    tls.sendall(ws_frame(2, bytes([0xC0, 0x00])))  # PINGREQ in a binary frame
    result["pingresp"] = ws_read_frame(reader)
    tls.sendall(ws_frame(1, b"hello"))  # text: MQTT 3.1.1 section 6.0 closes
    try:
        result["afterText"] = ws_read_frame(reader)
    except (EOFError, OSError) as error:
        result["afterText"] = {"error": repr(error)}
    result["closed"] = reader.closes_within(3)
    return result

def mode_websocket_refused(port, ca):
    tls = tls_connect(int(port), ca)
    reader = Reader(tls)
    ws_upgrade(tls, None)
    response = http_response(reader)
    return {"response": response, "closed": reader.closes_within(3)}

def mode_mqtt(port, ca, client_id, username, password, hold, cert="", key=""):
    tls = tls_connect(int(port), ca, cert or None, key or None)
    reader = Reader(tls)
    tls.sendall(mqtt_connect(client_id, username, None if password == "-" else password))
    connack = reader.exactly(4)
    connected = time.monotonic()
    result = {"connack": connack.hex(), "returnCode": connack[3]}
    if connack[3] != 0:
        result["closed"] = reader.closes_within(3)
    else:
        result["closed"] = reader.closes_within(float(hold))
        result["heldSeconds"] = time.monotonic() - connected
    return result

def mode_mqtt_will(port, ca, client_id, username, password, will_topic, will_retain):
    """A device that connects with a Will and then drops the connection without DISCONNECT."""
    tls = tls_connect(int(port), ca)
    reader = Reader(tls)
    tls.sendall(mqtt_connect(client_id, username, password, will=(will_topic, b"gone", will_retain == "1")))
    connack = reader.exactly(4)
    result = {"connack": connack.hex(), "returnCode": connack[3]}
    if connack[3] != 0:
        result["closed"] = reader.closes_within(3)
    else:
        tls.close()  # no DISCONNECT: the broker sees the connection lost
        result["closed"] = True
    return result

def mode_telemetry_flood(port, ca, client_id, username, password, count):
    """A device that writes `count` QoS 0 telemetry publishes at once, without waiting."""
    tls = tls_connect(int(port), ca)
    reader = Reader(tls)
    tls.sendall(mqtt_connect(client_id, username, password))
    connack = reader.exactly(4)
    topic = ("devices/%s/messages/events/" % client_id).encode()
    burst = b"".join(mqtt_packet(0x30, mqtt_string(topic) + b"m%d" % i) for i in range(int(count)))
    tls.sendall(burst)
    tls.sendall(mqtt_packet(0xC0, b""))  # PINGREQ: answered once everything before it was handled
    pingresp = reader.exactly(2)
    return {"returnCode": connack[3], "pingresp": pingresp.hex()}

def mode_telemetry_qos1(port, ca, client_id, username, password, body_bytes, wait):
    """One QoS 1 telemetry publish (packet id 1): whether its PUBACK came, or the connection
    closed instead, within `wait` seconds."""
    tls = tls_connect(int(port), ca)
    reader = Reader(tls)
    tls.sendall(mqtt_connect(client_id, username, password))
    connack = reader.exactly(4)
    topic = ("devices/%s/messages/events/" % client_id).encode()
    body = bytes((i * 7) & 0xFF for i in range(int(body_bytes)))
    tls.sendall(mqtt_packet(0x32, mqtt_string(topic) + struct.pack("!H", 1) + body))
    deadline, closed = time.monotonic() + float(wait), False
    try:
        while len(reader.buf) < 4 and time.monotonic() < deadline:
            tls.settimeout(max(0.01, deadline - time.monotonic()))
            reader.fill()
    except socket.timeout:
        pass
    except (EOFError, ConnectionError, ssl.SSLError, OSError):
        closed = True
    puback = reader.buf[:4] == b"\x40\x02\x00\x01"
    if puback:
        tls.sendall(mqtt_packet(0xE0, b""))
    return {"returnCode": connack[3], "puback": puback, "closed": closed}

def mode_plain_mqtt(port, client_id, hold, subscribe=""):
    """A plain (anonymous) MQTT client: CONNECT, optionally SUBSCRIBE to one filter at QoS 0,
    then reports the topics delivered and whether the broker closed it within `hold` s."""
    raw = socket.create_connection(("127.0.0.1", int(port)), timeout=STEP_TIMEOUT)
    reader = Reader(raw)
    raw.sendall(mqtt_connect(client_id, None, None))
    connack = reader.exactly(4)
    result = {"returnCode": connack[3], "topics": []}
    if subscribe:
        raw.sendall(mqtt_packet(0x82, struct.pack("!H", 1) + mqtt_string(subscribe.encode()) + bytes([0])))
        result["suback"] = reader.exactly(5).hex()
    result["closed"] = reader.closes_within(float(hold))
    data = reader.buf
    while len(data) >= 2 and data[0] >> 4 == 3:
        length, shift, index = 0, 0, 1
        while True:
            byte = data[index]; index += 1
            length |= (byte & 0x7F) << shift; shift += 7
            if not byte & 0x80:
                break
        body = data[index:index + length]
        result["topics"].append(body[2:2 + struct.unpack("!H", body[:2])[0]].decode())
        data = data[index + length:]
    return result

def mode_silent(port, seconds, first_bytes_hex=""):
    """A TCP client that starts a TLS handshake (or not) and then says nothing."""
    raw = socket.create_connection(("127.0.0.1", int(port)), timeout=STEP_TIMEOUT)
    if first_bytes_hex:
        raw.sendall(bytes.fromhex(first_bytes_hex))
    start = time.monotonic()
    closed = Reader(raw).closes_within(float(seconds))
    return {"closed": closed, "elapsed": time.monotonic() - start}

if __name__ == "__main__":
    mode, arguments = sys.argv[1], sys.argv[2:]
    try:
        result = globals()["mode_" + mode.replace("-", "_")](*arguments)
    except Exception as error:
        result = {"failure": repr(error)}
    print(json.dumps(result), flush=True)
"""#
