"""The console (issue #17) in a real browser: Debian's chromium driven headless by selenium
against the node on its fixed ports, with the unmodified device SDK on the other side. Each
page's screenshot goes to .test-output/console/ so a failing run can be looked at."""
import base64
import json
import pathlib
import queue
import shutil
import threading
import time

import pytest

selenium = pytest.importorskip("selenium")
from selenium import webdriver  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402
from azure.iot.device import Message, MethodResponse  # noqa: E402

OUTPUT = pathlib.Path(__file__).resolve().parents[2] / ".test-output" / "console"
BASE = "https://localhost/console"
WAIT_SECONDS = 15


def chromedriver_path():
    return shutil.which("chromedriver") or "/usr/bin/chromedriver"


@pytest.fixture(scope="module")
def browser(node):
    if not pathlib.Path(chromedriver_path()).exists():
        pytest.fail("chromium-driver is not installed (scripts/bootstrap.sh installs it)")
    OUTPUT.mkdir(parents=True, exist_ok=True)
    options = webdriver.ChromeOptions()
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                     # The node's certificate is signed by its own development CA; the browser is
                     # on loopback in a private network namespace.
                     "--ignore-certificate-errors", "--window-size=1280,900"):
        options.add_argument(argument)
    service = webdriver.ChromeService(executable_path=chromedriver_path())
    driver = webdriver.Chrome(options=options, service=service)
    driver.set_page_load_timeout(30)
    yield driver
    driver.quit()


def shot(driver, name):
    driver.save_screenshot(str(OUTPUT / f"{name}.png"))


def sign_in(driver, connection_string):
    driver.delete_all_cookies()
    driver.get(BASE + "/signin")
    field = driver.find_element(By.ID, "connectionString")
    field.clear()
    field.send_keys(connection_string)
    driver.find_element(By.ID, "sign-in").click()


def wait_for(driver, condition, message):
    return WebDriverWait(driver, WAIT_SECONDS).until(lambda d: condition(d), message)


def create_device(driver, device_id):
    driver.get(BASE + "/devices")
    driver.find_element(By.ID, "new-device-id").send_keys(device_id)
    driver.find_element(By.ID, "create-device").click()
    wait_for(driver, lambda d: d.find_element(By.ID, "device-id").text == device_id, "the device page did not open")


def revealed_key(driver, device_id):
    driver.get(f"{BASE}/devices/{device_id}")
    driver.find_element(By.ID, "reveal-keys").click()
    return driver.find_element(By.ID, "primary-key").text.strip()


@pytest.fixture(scope="module")
def owner_device(node, browser):
    """A device made through the console by the owner, with an SDK client connected with the
    key the console revealed."""
    sign_in(browser, node.service_connection_string("iothubowner"))
    device_id = f"console-{int(time.monotonic() * 1000) % 100000}"
    create_device(browser, device_id)
    key = revealed_key(browser, device_id)
    shot(browser, "device")
    client = node.device_client(device_id, key)
    client.connect()
    yield device_id, client
    client.shutdown()
    try:
        node.registry().delete_device(device_id)
    except Exception:
        pass


def test_a_bad_policy_string_is_refused_and_a_good_one_signs_in(node, browser):
    good = node.service_connection_string("iothubowner")
    sign_in(browser, good.split("SharedAccessKey=")[0] + "SharedAccessKey=" + base64.b64encode(b"not the key" * 3).decode())
    # The answer is a new page: wait for it rather than read the one being left.
    error = wait_for(browser, lambda d: d.find_elements(By.ID, "error"), "no sign-in error shown")[0]
    assert "signature does not match" in error.text
    assert browser.get_cookie("nave-console") is None
    shot(browser, "signin-refused")
    sign_in(browser, good)
    wait_for(browser, lambda d: d.current_url.endswith("/console/devices"), "no devices page after sign-in")
    cookie = browser.get_cookie("nave-console")
    assert cookie["httpOnly"] and cookie["secure"] and cookie["sameSite"] == "Strict" and cookie["path"] == "/console"
    assert browser.find_element(By.ID, "policy-name").text == "iothubowner"


def test_created_device_is_listed_and_its_twin_edit_reaches_the_device(node, browser, owner_device):
    device_id, client = owner_device
    patches = queue.Queue()
    client.on_twin_desired_properties_patch_received = patches.put
    browser.get(f"{BASE}/devices?id={device_id}")
    assert device_id in browser.find_element(By.ID, "devices").text
    shot(browser, "devices")
    browser.get(f"{BASE}/devices/{device_id}/twin")
    desired = browser.find_element(By.ID, "desired")
    desired.clear()
    desired.send_keys('{"telemetryInterval": 7}')
    browser.find_element(By.ID, "save-twin").click()
    wait_for(browser, lambda d: "Twin saved" in d.page_source, "the twin was not saved")
    shot(browser, "twin")
    deadline = time.monotonic() + WAIT_SECONDS
    while True:
        patch = patches.get(timeout=max(0.1, deadline - time.monotonic()))
        if patch.get("telemetryInterval") == 7:
            break


def test_a_method_answered_by_the_device_shows_status_payload_and_latency(browser, owner_device):
    device_id, client = owner_device

    def answer(request):
        client.send_method_response(MethodResponse.create_from_method_request(request, 200, {"rebooted": request.payload}))
    client.on_method_request_received = answer
    browser.get(f"{BASE}/devices/{device_id}/methods")
    browser.find_element(By.ID, "method-name").send_keys("reboot")
    payload = browser.find_element(By.ID, "method-payload")
    payload.clear()
    payload.send_keys('{"delay": 3}')
    browser.find_element(By.ID, "invoke").click()
    status = wait_for(browser, lambda d: d.find_elements(By.ID, "method-status"), "no method result")[0]
    assert status.text == "200"
    assert json.loads(browser.find_element(By.ID, "method-result").text) == {"rebooted": {"delay": 3}}
    assert browser.find_element(By.ID, "method-latency").text.endswith(" ms")
    shot(browser, "methods")


def test_a_cloud_to_device_message_reaches_the_device_with_its_properties(browser, owner_device):
    device_id, client = owner_device
    received = queue.Queue()
    client.on_message_received = received.put
    browser.get(f"{BASE}/devices/{device_id}/messages")
    browser.find_element(By.ID, "c2d-body").send_keys("hello from the console")
    browser.find_element(By.ID, "c2d-message-id").send_keys("console-m1")
    browser.find_element(By.ID, "c2d-properties").send_keys("color=red")
    browser.find_element(By.CSS_SELECTOR, "#c2d-ack option[value=full]").click()
    browser.find_element(By.ID, "send-c2d").click()
    wait_for(browser, lambda d: "console-m1 queued" in d.page_source, "the message was not queued")
    shot(browser, "messages")
    message = received.get(timeout=WAIT_SECONDS)
    assert message.data == b"hello from the console"
    assert message.message_id == "console-m1"
    assert message.custom_properties.get("color") == "red"
    browser.get(BASE + "/feedback")
    shot(browser, "feedback")


def test_telemetry_appears_live_and_pauses(browser, owner_device):
    device_id, client = owner_device
    browser.get(f"{BASE}/telemetry?deviceId={device_id}")
    wait_for(browser, lambda d: "Listening" in d.find_element(By.ID, "live-status").text, "the live view did not start")
    time.sleep(0.5)
    message = Message('{"temperature": 21.5}')
    message.custom_properties["level"] = "info"
    client.send_message(message)
    row = wait_for(browser, lambda d: d.find_elements(By.CSS_SELECTOR, "#events tbody tr.event"), "no event appeared")[0]
    assert "21.5" in row.text and "level=info" in row.text
    # The event came over the node's WebSocket, not the long poll kept as its fallback.
    assert browser.find_element(By.ID, "events").get_attribute("data-transport") == "websocket"
    shot(browser, "telemetry")
    # A socket opened with a token no session has is closed with 1008 and a reason.
    refused = browser.execute_async_script("""
        const done = arguments[arguments.length - 1];
        const socket = new WebSocket("wss://" + location.host + "/console/telemetry/socket", "nave.console.v1");
        socket.onopen = () => socket.send(new TextEncoder().encode(JSON.stringify({csrf: "0".repeat(64), device: "", from: "latest"})));
        socket.onclose = (event) => done([event.code, event.reason]);
    """)
    assert refused[0] == 1008 and "CSRF token" in refused[1], refused
    browser.find_element(By.ID, "pause").click()
    assert browser.find_element(By.ID, "pause").get_attribute("aria-pressed") == "true"


def test_node_and_routing_pages_render(browser, owner_device):  # signed in as the owner
    browser.get(BASE + "/node")
    assert browser.find_element(By.ID, "connected-devices").text.isdigit()
    assert browser.find_elements(By.CSS_SELECTOR, ".charts svg")
    shot(browser, "node")
    browser.get(BASE + "/routing")
    browser.find_element(By.ID, "test-routes").click()
    wait_for(browser, lambda d: d.find_elements(By.ID, "route-test-result"), "no route test result")
    shot(browser, "routing")


def test_a_read_only_policy_has_no_change_buttons_and_a_forged_post_is_refused(node, browser, owner_device):
    device_id, _ = owner_device
    sign_in(browser, node.service_connection_string("registryRead"))
    wait_for(browser, lambda d: d.current_url.endswith("/console/devices"), "no devices page after sign-in")
    assert not browser.find_elements(By.ID, "create-device")
    browser.get(f"{BASE}/devices/{device_id}")
    for button in ("delete", "disable", "regenerate-primary", "create-module"):
        assert not browser.find_elements(By.ID, button), f"a read-only policy sees {button}"
    shot(browser, "read-only-device")
    browser.get(f"{BASE}/devices/{device_id}/twin")
    assert not browser.find_elements(By.ID, "save-twin")
    token = browser.find_element(By.CSS_SELECTOR, "input[name=csrf]").get_attribute("value")
    forged = browser.execute_async_script("""
        const done = arguments[arguments.length - 1];
        const post = (path, body) => fetch(path, {method: "POST", body: new URLSearchParams(body), redirect: "manual"})
            .then(r => r.status);
        Promise.all([
            post("/console/devices/" + arguments[0] + "/update", {csrf: arguments[1], action: "delete"}),
            post("/console/devices", {csrf: arguments[1], deviceId: "forged-by-reader"}),
            post("/console/devices/" + arguments[0] + "/update", {action: "disable"}),
        ]).then(done);
    """, device_id, token)
    assert forged == [403, 403, 403]
    assert node.registry().get_device(device_id).status == "enabled"
