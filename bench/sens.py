"""Benchmark: an SMS wave through the SENS adapter against posting pre-built batches directly.

    .venv/bin/python bench/sens.py [--recipients 30530]

Both go to the local fake SENS server of the tests (tests/messaging/fake_sens.py), which checks
every signature and request shape. The direct run posts the very request bodies the adapter
would build, already built and signed by the same httpx client; the adapter run starts from
the messages (number checks, byte counts, grouping, bodies, answers). Prints both rates and
their ratio (target: at least 0.5).
"""

import argparse
import sys
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pcrm.messaging.sens import SensAuth, SensClient, SensSettings  # noqa: E402
from pcrm.messaging.sens_format import body, domestic_number, requests_for  # noqa: E402
from pcrm.messaging.sms import SensProvider  # noqa: E402
from pcrm.messaging.sms_batch import OutgoingSms  # noqa: E402
from tests.messaging.fake_sens import FakeSens  # noqa: E402

TEXT = "[성동구] 정책 설문에 아직 답하지 않으셨다면 참여해 주세요 pcrm.kr/r/aB3dE"


def messages(count: int) -> list[OutgoingSms]:
    return [OutgoingSms(ref=str(i), to=f"+8210{i:08d}", text=TEXT) for i in range(count)]


def direct(fake: FakeSens, base_url: str, outgoing: list[OutgoingSms], kind="sms") -> float:
    """Seconds to post the pre-built bodies (each message of `kind`) over one signed client."""
    ready = [(m, domestic_number(m.to), kind) for m in outgoing]
    bodies = [body(chunk, fake.sender) for chunk in requests_for(ready)]
    auth = SensAuth(fake.access_key, fake.secret_key, time.time)
    path = f"/sms/v2/services/{fake.service_id}/messages"
    with httpx.Client(base_url=base_url, auth=auth) as client:
        started = time.perf_counter()
        for request_body in bodies:
            assert client.post(path, json=request_body).status_code == 202
        return time.perf_counter() - started


def adapter(fake: FakeSens, base_url: str, outgoing: list[OutgoingSms]) -> float:
    """Seconds for SensProvider.send_batch from the messages themselves."""
    settings = SensSettings(
        access_key=fake.access_key, secret_key=fake.secret_key, service_id=fake.service_id,
        sender=fake.sender, base_url=base_url,
    )  # fmt: skip
    with SensClient(settings) as client:
        started = time.perf_counter()
        report = SensProvider(client).send_batch(outgoing)
        elapsed = time.perf_counter() - started
    assert len(report.accepted) == len(outgoing), "the fake refused something"
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--recipients", type=int, default=30530)
    count = parser.parse_args().recipients
    fake = FakeSens()
    base_url = fake.start()
    try:
        outgoing = messages(count)
        direct(fake, base_url, outgoing[:1000])  # warm up the server and the code paths
        raw = direct(fake, base_url, outgoing)
        ours = adapter(fake, base_url, outgoing)
    finally:
        fake.stop()
    print(f"direct pre-built batches: {count / raw:,.0f} msg/s ({raw:.2f} s)")
    print(f"SENS adapter:             {count / ours:,.0f} msg/s ({ours:.2f} s)")
    print(f"ratio {raw / ours:.2f} (target >= 0.5)")


if __name__ == "__main__":
    main()
