"""Addresses and networks, shared by policies (`aws:SourceIp`) and the network IR.

Addresses live in one 128-bit space: IPv6 addresses are themselves, and an IPv4 address a.b.c.d
is its IPv4-mapped form ::ffff:a.b.c.d. A `Cidr` is a prefix of that space that remembers the
family it was written in, so an IPv6 network written in IPv4-mapped form stays IPv6 (a policy
condition on it matches IPv6 requests only). An IPv6 prefix that would cover the IPv4-mapped
range (::/0 for instance) never matches an IPv4 address, as in AWS.
"""

from __future__ import annotations

import ipaddress
from functools import lru_cache

from pydantic import BaseModel, ConfigDict

ADDRESS_BITS = 128
_ALL_ONES = (1 << ADDRESS_BITS) - 1
V4_MAPPED = 0xFFFF << 32
_V4_BITS = 32
_MASKS = tuple((_ALL_ONES << (ADDRESS_BITS - n)) & _ALL_ONES for n in range(ADDRESS_BITS + 1))


def is_v4(ip: int) -> bool:
    """Is `ip` an IPv4 address (in its IPv4-mapped form)?"""
    return ip >> 32 == 0xFFFF


def format_ip(ip: int) -> str:
    if is_v4(ip):
        return str(ipaddress.IPv4Address(ip & 0xFFFFFFFF))
    return str(ipaddress.IPv6Address(ip))


# Exports repeat the same addresses and prefixes in every VPC alike (and `ipaddress` is slow).
@lru_cache(maxsize=1 << 16)
def parse_ip(text: str) -> int:
    """An IPv4 or IPv6 address as an integer of the address space; ValueError otherwise."""
    addr = ipaddress.ip_address(text.strip())
    if isinstance(addr, ipaddress.IPv4Address):
        return V4_MAPPED | int(addr)
    return int(addr)


@lru_cache(maxsize=1 << 16)
def _parse_cidr(text: str) -> Cidr:
    net = ipaddress.ip_network(text.strip(), strict=False)
    if isinstance(net, ipaddress.IPv4Network):
        return Cidr(addr=V4_MAPPED | int(net.network_address), prefix=96 + net.prefixlen, version=4)
    return Cidr(addr=int(net.network_address), prefix=net.prefixlen, version=6)


class Cidr(BaseModel):
    """A prefix of the address space; `addr` is the network address (host bits cleared) and
    `prefix` counts bits of the 128-bit space (an IPv4 /24 has prefix 120)."""

    model_config = ConfigDict(frozen=True)

    addr: int
    prefix: int
    version: int

    @staticmethod
    def parse(text: str) -> Cidr:
        """An IPv4/IPv6 address or network, host bits masked; ValueError otherwise."""
        return _parse_cidr(text)

    @staticmethod
    def of(addr: int, prefix: int) -> Cidr:
        """The prefix of the space at `addr`; IPv4 when it lies in the IPv4-mapped range."""
        return Cidr(addr=addr, prefix=prefix, version=4 if prefix >= 96 and is_v4(addr) else 6)

    @staticmethod
    def host(ip: int) -> Cidr:
        return Cidr.of(ip, ADDRESS_BITS)

    @property
    def mask(self) -> int:
        return _MASKS[self.prefix]

    @property
    def last(self) -> int:
        return self.addr | (~self.mask & _ALL_ONES)

    @property
    def v4(self) -> bool:
        return self.version == 4

    @property
    def length(self) -> int:
        """The prefix length as written in its family (24 for an IPv4 /24)."""
        return self.prefix - (ADDRESS_BITS - _V4_BITS) if self.v4 else self.prefix

    @property
    def address(self) -> int:
        """The network address as an integer of its family (32 bits for IPv4)."""
        return self.addr & 0xFFFFFFFF if self.v4 else self.addr

    def covers(self, ip: int) -> bool:
        """Prefix arithmetic only: do the first `prefix` bits of `ip` match?"""
        return (ip & self.mask) == self.addr

    def within(self, other: Cidr) -> bool:
        """Is every address of this prefix in `other` (prefix arithmetic only)?"""
        return other.prefix <= self.prefix and other.covers(self.addr)

    @property
    def spans_v4(self) -> bool:
        """An IPv6 prefix wider than the IPv4-mapped range that contains it (::/0): it
        matches no IPv4 address."""
        return self.prefix < 96 and V4_SPACE.within(self)

    def contains(self, ip: int) -> bool:
        """Does the address `ip` match this prefix, as AWS matches a rule or a route?"""
        return self.covers(ip) and not (self.spans_v4 and is_v4(ip))

    def __str__(self) -> str:
        if self.v4:
            return f"{format_ip(self.addr)}/{self.length}"
        return f"{ipaddress.IPv6Address(self.addr)}/{self.prefix}"


V4_SPACE = Cidr(addr=V4_MAPPED, prefix=96, version=4)


def parse_cidr(text: str) -> Cidr | None:
    """An IPv4/IPv6 address or network, host bits masked as IAM does; None if it is neither."""
    try:
        return Cidr.parse(text)
    except ValueError:
        return None
