/// A Python script (kept as a string: a `.py` file in the test target would need a Package.swift
/// resource rule). It checks a Nave development server certificate the way the contract's clients do (§0.2, §1.1):
/// a TLS server on 127.0.0.1 presents it, and clients built like azure-iot-device's (TLS 1.2
/// pinned, CERT_REQUIRED, check_hostname, CA from cadata) and like ssl.create_default_context
/// connect with several host names. Prints one line per attempt: "<client> <name> ok <version>"
/// or "<client> <name> refused <reason>". Every socket has a timeout; the caller kills us anyway.
///
/// Arguments: ca.pem server.pem server.key.
let tlsCheckScript = #"""
import socket
import ssl
import sys
import threading
import warnings

warnings.simplefilter("ignore", DeprecationWarning)  # PROTOCOL_TLSv1_2, as the SDK uses it
ca_path, cert_path, key_path = sys.argv[1:4]

server_context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
server_context.load_cert_chain(cert_path, key_path)
listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
listener.bind(("127.0.0.1", 0))
listener.listen(8)
listener.settimeout(20)
port = listener.getsockname()[1]


def serve():
    while True:
        try:
            connection, _ = listener.accept()
        except OSError:
            return
        connection.settimeout(10)
        try:
            with server_context.wrap_socket(connection, server_side=True) as tls:
                tls.sendall(tls.version().encode())
        except (ssl.SSLError, OSError):
            pass


def device_sdk_context():
    # azure/iot/device/common/mqtt_transport.py _create_ssl_context
    context = ssl.SSLContext(ssl.PROTOCOL_TLSv1_2)
    context.verify_mode = ssl.CERT_REQUIRED
    context.check_hostname = True
    with open(ca_path) as ca:
        context.load_verify_locations(cadata=ca.read())
    return context


def default_context():
    context = ssl.create_default_context(cafile=ca_path)
    context.load_verify_locations(ca_path)
    return context


def attempt(context, name):
    with socket.create_connection(("127.0.0.1", port), timeout=10) as raw:
        try:
            with context.wrap_socket(raw, server_hostname=name) as tls:
                return "ok " + tls.recv(16).decode()
        except ssl.SSLCertVerificationError as error:
            return "refused " + str(error.verify_message)


threading.Thread(target=serve, daemon=True).start()
for label, make in (("sdk", device_sdk_context), ("default", default_context)):
    for name in ("localhost", "127.0.0.1", "::1", "example.com"):
        print(label, name, attempt(make(), name), flush=True)
listener.close()
"""#
