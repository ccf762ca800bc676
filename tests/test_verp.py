"""VERP return paths: each recipient's own, signed, read back only when genuine."""

import random
import re

import pytest

from newsletter.core.verp import Verp

SECRET = b"test-secret-key"
BOUNCES = "bounces@comune.torino.it"


@pytest.fixture
def verp():
    return Verp(SECRET, BOUNCES)


def test_an_address_names_its_delivery_and_subscriber_and_reads_back(verp):
    address = verp.address(12, 345)
    assert re.fullmatch(r"bounces\+d12s345k[a-z2-7]{10}@comune\.torino\.it", address), address
    assert verp.read(address) == (12, 345)


def test_it_is_short_and_lowercase(verp):
    address = verp.address(99_999, 9_999_999)
    assert address == address.lower()
    assert len(address.split("@")[0]) <= len("bounces+d99999s9999999k") + 10


@pytest.mark.parametrize("written", [
    "{address}",
    "{upper}",  # some servers upper-case (or lower-case) what they send back
    "<{address}>",
    "Mail Delivery System <{upper}>",
    '"Bounces" <{address}>',
    "  {address}  ",
])
def test_it_reads_what_servers_send_back(verp, written):
    address = verp.address(7, 42)
    assert verp.read(written.format(address=address, upper=address.upper())) == (7, 42)


def test_the_bounce_address_may_be_written_in_capitals_in_the_configuration():
    verp = Verp(SECRET, "Bounces@Comune.Torino.IT")
    assert verp.read(verp.address(3, 4).lower()) == (3, 4)


def test_a_forged_signature_is_refused(verp):
    local, domain = verp.address(12, 345).split("@")
    mac = local[-10:]
    forged = local[:-10] + ("a" if mac[0] != "a" else "b") + mac[1:]
    assert verp.read(f"{forged}@{domain}") is None


def test_the_signature_of_another_delivery_or_subscriber_is_refused(verp):
    mac = verp.address(12, 345).split("@")[0][-10:]
    assert verp.read(f"bounces+d13s345k{mac}@comune.torino.it") is None
    assert verp.read(f"bounces+d12s346k{mac}@comune.torino.it") is None
    assert verp.read(f"bounces+d1s2345k{mac}@comune.torino.it") is None  # the same digits


def test_another_key_does_not_verify(verp):
    assert Verp(b"another key", BOUNCES).read(verp.address(12, 345)) is None


@pytest.mark.parametrize("other", [
    "bounces+d12s345k{mac}@example.org",  # the wrong domain
    "bounces+d12s345k{mac}@torino.it",
    "newsletter+d12s345k{mac}@comune.torino.it",  # another mailbox's local part
    "xbounces+d12s345k{mac}@comune.torino.it",
    "bounces+d012s345k{mac}@comune.torino.it",  # not the form we write
    "bounces+d12s345k{mac}x@comune.torino.it",
    "bounces+d12s345k{mac}",
])
def test_another_address_is_not_ours(verp, other):
    mac = verp.address(12, 345).split("@")[0][-10:]
    assert verp.read(other.format(mac=mac)) is None


@pytest.mark.parametrize("garbled", [
    "", "bounces@comune.torino.it", "international.affairs@comune.torino.it",
    "bounces+@comune.torino.it", "bounces+d12s345@comune.torino.it",
    "bounces+d12s345k@comune.torino.it", "bounces+ds345kaaaaaaaaaa@comune.torino.it",
    "bounces+d" + "9" * 5000 + "s1kaaaaaaaaaa@comune.torino.it",
    "<>", "MAILER-DAEMON", "not an address at all", "@@@",
])
def test_garbled_or_plain_addresses_are_not_ours(verp, garbled):
    assert verp.read(garbled) is None


def test_distinct_pairs_give_distinct_addresses(verp):
    pairs = random.Random(13).sample(range(1_000_000), 10_000)
    addresses = {verp.address(n // 1000 + 1, n % 1000 + 1) for n in pairs}
    assert len(addresses) == len(pairs)
    macs = {address.split("@")[0][-10:] for address in addresses}
    assert len(macs) == len(pairs)  # 50 bits: no collision among these


def test_no_bounce_address_no_verp(config):
    assert config.bounces.address is None
    assert Verp.of(config, SECRET) is None
