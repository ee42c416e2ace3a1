#!/usr/bin/env python3
"""Generates data/catalog.json, didhub's bundled world catalog.

Source: libphonenumber's metadata and geocoding data (prefix -> English place name), as
carried by the `phonenumbers` package (Apache-2.0). The version is pinned to the one the
Rust `phonenumber` crate validates with, so the catalog and the validator agree.

    python3 -m venv /tmp/catalog-venv
    /tmp/catalog-venv/bin/pip install -r tools/requirements.txt
    /tmp/catalog-venv/bin/python tools/generate_catalog.py > data/catalog.json

The output is deterministic: sorted, and every random sample is drawn from a generator
seeded by what is being sampled. The rules (area granularity, names, lengths, prices)
are described in docs/CATALOG.md.
"""

import json
import random
import sys
import time
from collections import Counter, defaultdict

import phonenumbers as pn
from phonenumbers import PhoneMetadata, PhoneNumberType as T
from phonenumbers.geodata import GEOCODE_DATA
from phonenumbers.geodata.locale import LOCALE_DATA

PHONENUMBERS_VERSION = "9.0.33"

# What libphonenumber types each DID type may hold; mirrors `type_fits` in
# src/domain/numbering.rs.
FITS = {
    "GEOGRAPHIC": {T.FIXED_LINE, T.FIXED_LINE_OR_MOBILE},
    "MOBILE": {T.MOBILE, T.FIXED_LINE_OR_MOBILE},
    "TOLLFREE": {T.TOLL_FREE},
}
# Ranges are discovered by their own type only: NANP numbers are FIXED_LINE_OR_MOBILE,
# and selling them again as MOBILE areas would double every NPA.
DISCOVER = {"MOBILE": {T.MOBILE}, "TOLLFREE": {T.TOLL_FREE}}

SAMPLES = 48  # random numbers drawn to measure an area at one length
MIN_DENSITY = 0.10  # share of valid numbers below which an area is not emitted
MIN_CAPACITY = 1000  # valid numbers an area must be able to hold to be emitted
RANGE_DENSITY = 0.50  # a mobile/toll-free prefix becomes an area at this share
MAX_RANGE_DEPTH = 4  # digits of a mobile/toll-free prefix, at most
NANP_CITY_SHARE = 0.40  # an NPA is named by its dominant city at this share
NAME_SHARE = 0.50  # below this share of its place names, an area code is split
MAX_SPLIT = 2  # digits added to an area code when splitting it

US_STATES = {
    "AL": "Alabama", "AK": "Alaska", "AZ": "Arizona", "AR": "Arkansas",
    "CA": "California", "CO": "Colorado", "CT": "Connecticut", "DE": "Delaware",
    "DC": "District of Columbia", "FL": "Florida", "GA": "Georgia", "HI": "Hawaii",
    "ID": "Idaho", "IL": "Illinois", "IN": "Indiana", "IA": "Iowa", "KS": "Kansas",
    "KY": "Kentucky", "LA": "Louisiana", "ME": "Maine", "MD": "Maryland",
    "MA": "Massachusetts", "MI": "Michigan", "MN": "Minnesota", "MS": "Mississippi",
    "MO": "Missouri", "MT": "Montana", "NE": "Nebraska", "NV": "Nevada",
    "NH": "New Hampshire", "NJ": "New Jersey", "NM": "New Mexico", "NY": "New York",
    "NC": "North Carolina", "ND": "North Dakota", "OH": "Ohio", "OK": "Oklahoma",
    "OR": "Oregon", "PA": "Pennsylvania", "RI": "Rhode Island", "SC": "South Carolina",
    "SD": "South Dakota", "TN": "Tennessee", "TX": "Texas", "UT": "Utah",
    "VT": "Vermont", "VA": "Virginia", "WA": "Washington", "WV": "West Virginia",
    "WI": "Wisconsin", "WY": "Wyoming",
}
CA_PROVINCES = {
    "AB": "Alberta", "BC": "British Columbia", "MB": "Manitoba", "NB": "New Brunswick",
    "NL": "Newfoundland and Labrador", "NS": "Nova Scotia", "NT": "Northwest Territories",
    "NU": "Nunavut", "ON": "Ontario", "PE": "Prince Edward Island", "QC": "Quebec",
    "SK": "Saskatchewan", "YT": "Yukon",
}
STATES = {"US": US_STATES, "CA": CA_PROVINCES}
# State-level names in the geocoding data that differ from the names above.
STATE_ALIASES = {
    "British Colombia": "BC",
    "Washington State": "WA",
    "Washington D.C.": "DC",
}

# Default prices per country and DID type, (monthly100, setup100) per plan; countries
# not listed take DEFAULT_PRICES. US, CA and GB keep the SU and VALUE prices of the first
# catalog. Every plan id seen in Anveo material is offered where it fits, so a client that
# names any documented plan works out of the box: TOLLFREE on toll-free numbers only, the
# others (DIRECTVALUE is Anveo Direct's) on every type.
PLANS = [
    ("DIRECTVALUE", "Direct Value"),
    ("OU", "Outbound Unlimited"),
    ("PU", "Pay Per Use"),
    ("SU", "Service Unlimited"),
    ("TOLLFREE", "Toll Free"),
    ("VALUE", "Value"),
]
DEFAULT_PRICES = {
    "GEOGRAPHIC": {"SU": (199, 0), "VALUE": (129, 0), "PU": (49, 0), "OU": (299, 0),
                   "DIRECTVALUE": (99, 0)},
    "MOBILE": {"SU": (499, 0), "VALUE": (349, 0), "PU": (199, 0), "OU": (699, 0),
               "DIRECTVALUE": (299, 0)},
    "TOLLFREE": {"SU": (299, 0), "VALUE": (199, 0), "PU": (59, 0), "OU": (399, 0),
                 "DIRECTVALUE": (149, 0), "TOLLFREE": (249, 0)},
}
COUNTRY_PRICES = {
    "US": {
        "GEOGRAPHIC": {"SU": (149, 249), "VALUE": (89, 99), "PU": (49, 0), "OU": (249, 249),
                       "DIRECTVALUE": (69, 0)},
        "TOLLFREE": {"SU": (149, 249), "VALUE": (99, 99), "PU": (59, 0), "OU": (249, 249),
                     "DIRECTVALUE": (79, 0), "TOLLFREE": (129, 99)},
    },
    "CA": {
        "GEOGRAPHIC": {"SU": (169, 249), "VALUE": (109, 99), "PU": (59, 0), "OU": (269, 249),
                       "DIRECTVALUE": (89, 0)},
        "TOLLFREE": {"SU": (169, 249), "VALUE": (109, 99), "PU": (69, 0), "OU": (269, 249),
                     "DIRECTVALUE": (99, 0), "TOLLFREE": (149, 99)},
    },
    "GB": {"GEOGRAPHIC": {"SU": (199, 0), "VALUE": (129, 0), "PU": (49, 0), "OU": (299, 0),
                          "DIRECTVALUE": (99, 0)}},
}
# Per-area prices that override the country's (kept from the first catalog).
AREA_PRICES = [
    ("1.212", "PU", 49, 0),
    ("1.212", "VALUE", 99, 99),
    ("1.800", "PU", 59, 0),
    ("1.888", "PU", 59, 0),
]
# SMS and fax flags are not in libphonenumber; these keep the first catalog's.
SMS_AND_FAX = {"US", "CA"}


def log(*parts):
    print(*parts, file=sys.stderr, flush=True)


# Regions libphonenumber's locale data has no English name for.
MISSING_NAMES = {"AC": "Ascension Island", "TA": "Tristan da Cunha", "XK": "Kosovo"}


def english_name(region):
    """The region's English name from libphonenumber's locale data."""
    if region in MISSING_NAMES:
        return MISSING_NAMES[region]
    names = LOCALE_DATA[region]
    name = names.get("en", "")
    while name.startswith("*"):  # a reference to another language's identical text
        name = names[name[1:]]
    return name


def national_lengths(region, desc_name):
    """Possible national lengths of one number type of a region."""
    meta = PhoneMetadata.metadata_for_region(region)
    desc = getattr(meta, desc_name)
    if desc is None or desc.national_number_pattern is None:
        return [], None
    lengths = desc.possible_length or meta.general_desc.possible_length or ()
    return sorted(l for l in lengths if l > 0), desc.example_number


def classify(cc, national):
    """(region, type) libphonenumber gives +cc national, or None when invalid or when
    parsing would read other digits than the ones given."""
    try:
        number = pn.parse("+" + cc + national)
    except pn.NumberParseException:
        return None
    if str(number.country_code) != cc or pn.national_significant_number(number) != national:
        return None
    kind = pn.number_type(number)
    if kind == T.UNKNOWN:
        return None
    return pn.region_code_for_number(number), kind, number


def measure(cc, region, prefix, lengths, example, fits):
    """Picks the national length of an area: the share of random numbers under `prefix`
    that are valid numbers of `region` with a type in `fits`, at each length; among the
    lengths within 5 points of the best share, the type's example number's length, else
    the longest. Returns (length, share)."""
    shares = {}
    for length in lengths:
        if length <= len(prefix) or not 8 <= len(cc) + length <= 15:
            continue
        rng = random.Random(f"{cc}.{prefix}/{length}/{sorted(fits)}")
        hits = 0
        for _ in range(SAMPLES):
            national = prefix + "".join(rng.choice("0123456789") for _ in range(length - len(prefix)))
            found = classify(cc, national)
            if found and found[0] == region and found[1] in fits:
                hits += 1
        shares[length] = hits / SAMPLES
    if not shares:
        return None, 0.0
    best = max(shares.values())
    near = [l for l, s in shares.items() if s >= best - 0.05]
    example_length = len(example) if example else None
    length = example_length if example_length in near else max(near)
    return length, shares[length]


def geocoded_prefixes():
    """{calling code: {national prefix: English name}}."""
    by_cc = defaultdict(dict)
    for key, names in GEOCODE_DATA.items():
        name = names.get("en")
        if not name:
            continue
        for size in (1, 2, 3):
            if int(key[:size]) in pn.COUNTRY_CODE_TO_REGION_CODE:
                by_cc[key[:size]][key[size:]] = name
                break
    return by_cc


class Catalog:
    def __init__(self):
        self.areas = {}  # area_id -> area dict
        self.states = {}  # state_id -> state dict

    def add_area(self, cc, region, prefix, name, length, did_type, share, state_code=None):
        if share * 10 ** (length - len(prefix)) < MIN_CAPACITY:
            return  # too small a block to sell from
        area_id = f"{cc}.{prefix}"
        if area_id in self.areas:
            existing = self.areas[area_id]
            if existing["country_id"] == region and existing["national_number_length"] == length:
                existing["did_types"] = sorted(set(existing["did_types"]) | {did_type})
            else:
                log(f"  skipped {did_type} {area_id} ({region}): id taken by {existing['country_id']}")
            return
        area = {
            "area_id": area_id,
            "country_id": region,
            "name": name,
            "area_code": prefix,
            "national_number_length": length,
            "did_types": [did_type],
        }
        if state_code:
            state_id = f"{region}-{state_code}"
            self.states[state_id] = {
                "state_id": state_id,
                "country_id": region,
                "name": STATES[region][state_code],
                "code": state_code,
            }
            area["state_id"] = state_id
        self.areas[area_id] = area


def split_place(name):
    """'New York, NY' -> ('New York', 'NY'); 'Ontario' -> ('Ontario', None)."""
    city, _, code = name.rpartition(", ")
    if city and len(code) == 2 and code.isupper():
        return city, code
    return name, None


def state_code_of(region, name):
    if region not in STATES:
        return None
    for code, state in STATES[region].items():
        if state == name:
            return code
    return STATE_ALIASES.get(name)


def nanp_areas(catalog, entries):
    """One area per NPA (the 3-digit area code)."""
    by_npa = defaultdict(dict)
    for prefix, name in entries.items():
        by_npa[prefix[:3]][prefix] = name
    for npa in sorted(by_npa):
        places = by_npa[npa]
        votes = Counter()
        rng = random.Random(f"1.{npa}/region")
        for _ in range(SAMPLES):
            found = classify("1", npa + "".join(rng.choice("0123456789") for _ in range(7)))
            if found and found[1] in FITS["GEOGRAPHIC"]:
                votes[found[0]] += 1
        if not votes:
            continue
        region = votes.most_common(1)[0][0]
        lengths, example = national_lengths(region, "fixed_line")
        length, share = measure("1", region, npa, lengths, example, FITS["GEOGRAPHIC"])
        if share < MIN_DENSITY:
            continue
        name, code = nanp_name(region, npa, places)
        catalog.add_area("1", region, npa, name, length, "GEOGRAPHIC", share, code)


def nanp_name(region, npa, places):
    own = places.get(npa)
    if own:
        city, code = split_place(own)
        if code:
            return city, code if region in STATES else None
    cities = Counter(split_place(n) for p, n in places.items() if p != npa)
    if cities:
        (city, code), count = cities.most_common(1)[0]
        if count / sum(cities.values()) >= NANP_CITY_SHARE:
            return city, code if region in STATES else None
    if own:
        code = state_code_of(region, own)
        return (STATES[region][code] if code else own), code
    if cities:
        codes = Counter(code for (_, code) in cities.elements() if code)
        code = codes.most_common(1)[0][0] if len(codes) == 1 and region in STATES else None
        if code:
            return STATES[region][code], code
    return english_name(region), None


def area_code_of(cc, entry, lengths):
    """(area code, region) of geographic numbers under a geocoded prefix, as
    libphonenumber formats them; a few tries at each length."""
    rng = random.Random(f"{cc}.{entry}/area-code")
    found_codes = Counter()
    other_types = 0
    for length in lengths:
        if length <= len(entry) or len(cc) + length > 15:
            continue
        for _ in range(6):
            national = entry + "".join(rng.choice("0123456789") for _ in range(length - len(entry)))
            found = classify(cc, national)
            if found and found[1] in FITS["GEOGRAPHIC"]:
                size = pn.length_of_geographical_area_code(found[2])
                found_codes[(national[:size], found[0])] += 1
            elif found:
                other_types += 1
            # Enough to know: a geographic prefix, or one of another kind (mobile).
            if sum(found_codes.values()) >= 3 or other_types >= 3:
                return found_codes
    return found_codes


def geographic_areas(catalog, cc, entries):
    """Areas of the area codes libphonenumber formats, named by the geocoding data."""
    regions = [r for r in pn.COUNTRY_CODE_TO_REGION_CODE[int(cc)] if r != "001"]
    lengths = sorted({l for r in regions for l in national_lengths(r, "fixed_line")[0]})
    codes = Counter()  # (area code, region) -> votes
    for entry in sorted(entries):
        codes.update(area_code_of(cc, entry, lengths))
    region_of = {}
    for (code, region), votes in sorted(codes.items()):
        if code not in region_of or votes > codes[(code, region_of[code])]:
            region_of[code] = region
    if "" in region_of:
        # No area codes in this plan's formats: the geocoded prefixes are the areas.
        for entry in sorted(collapse(entries)):
            emit_geographic(catalog, cc, entry, entries[entry], region_of[""], regions)
        return
    for code in sorted(region_of):
        for prefix, name in name_area(code, entries, 0):
            emit_geographic(catalog, cc, prefix, name, region_of[code], regions)


def collapse(entries):
    """Drops prefixes that carry the same name as their nearest geocoded parent."""
    kept = []
    for prefix, name in entries.items():
        parent = next((prefix[:n] for n in range(len(prefix) - 1, 0, -1) if prefix[:n] in entries), None)
        if parent is None or entries[parent] != name:
            kept.append(prefix)
    return kept


def name_area(prefix, entries, depth):
    """[(prefix, name)]: the prefix named by its own entry, else by the name covering
    most of it (each entry weighs the share of numbers it covers); when that name
    covers less than NAME_SHARE, the prefix is split one digit deeper, up to MAX_SPLIT."""
    if prefix in entries:
        return [(prefix, entries[prefix])]
    weights = Counter()
    for entry, name in entries.items():
        if entry.startswith(prefix):
            weights[name] += 10.0 ** -len(entry)
    if not weights:
        parent = next((prefix[:n] for n in range(len(prefix) - 1, 0, -1) if prefix[:n] in entries), None)
        return [(prefix, entries[parent])] if parent else []
    name, weight = weights.most_common(1)[0]
    if weight / sum(weights.values()) >= NAME_SHARE or depth >= MAX_SPLIT:
        return [(prefix, name)]
    named = []
    for digit in "0123456789":
        named.extend(name_area(prefix + digit, entries, depth + 1))
    if len({n for _, n in named}) == 1:
        return [(prefix, name)]
    return named


def emit_geographic(catalog, cc, prefix, name, region, regions):
    lengths, example = national_lengths(region, "fixed_line")
    length, share = measure(cc, region, prefix, lengths, example, FITS["GEOGRAPHIC"])
    if length and share >= MIN_DENSITY:
        catalog.add_area(cc, region, prefix, name, length, "GEOGRAPHIC", share)


def number_ranges(catalog, region, did_type):
    """Toll-free or mobile ranges: the shortest prefixes under which most numbers of the
    region's plan are of that type."""
    desc = {"MOBILE": "mobile", "TOLLFREE": "toll_free"}[did_type]
    lengths, example = national_lengths(region, desc)
    if not lengths:
        return
    cc = str(pn.country_code_for_region(region))
    label = {"MOBILE": "Mobile", "TOLLFREE": "Toll-free"}[did_type]

    def descend(prefix):
        length, share = measure(cc, region, prefix, lengths, example, DISCOVER[did_type])
        if length and share >= RANGE_DENSITY:
            catalog.add_area(cc, region, prefix, f"{label} {prefix}", length, did_type, share)
        elif len(prefix) < MAX_RANGE_DEPTH and (share > 0 or len(prefix) < 2):
            for digit in "0123456789":
                descend(prefix + digit)

    before = len(catalog.areas)
    for digit in "0123456789":
        descend(digit)
    if len(catalog.areas) == before:
        from_example(catalog, region, did_type, f"{label} {{prefix}}")


def from_example(catalog, region, did_type, name_pattern):
    """An area for a region the other passes found nothing of that type in (a small
    region sharing its calling code, whose ranges sampling from the first digits
    misses): the shortest prefix of libphonenumber's example number under which most
    numbers are of that type."""
    desc = {"MOBILE": "mobile", "TOLLFREE": "toll_free", "GEOGRAPHIC": "fixed_line"}[did_type]
    lengths, example = national_lengths(region, desc)
    if not example:
        return
    cc = str(pn.country_code_for_region(region))
    fits = FITS["GEOGRAPHIC"] if did_type == "GEOGRAPHIC" else DISCOVER[did_type]
    threshold = MIN_DENSITY if did_type == "GEOGRAPHIC" else RANGE_DENSITY
    shortest = 3 if cc == "1" else 1  # a NANP area is at least an NPA
    for size in range(shortest, len(example) - 2):
        prefix = example[:size]
        length, share = measure(cc, region, prefix, lengths, example, fits)
        if length and share >= threshold:
            name = name_pattern.format(prefix=prefix)
            catalog.add_area(cc, region, prefix, name, length, did_type, share)
            return


def prices(countries_types):
    rows = []
    for region, did_types in sorted(countries_types.items()):
        for did_type in sorted(did_types):
            table = COUNTRY_PRICES.get(region, {}).get(did_type) or DEFAULT_PRICES[did_type]
            for plan, (monthly, setup) in sorted(table.items()):
                rows.append({
                    "country_id": region, "did_type": did_type, "rate_plan_id": plan,
                    "monthly100": monthly, "setup100": setup,
                })
    return rows


def main():
    if pn.__version__ != PHONENUMBERS_VERSION:
        sys.exit(f"phonenumbers {PHONENUMBERS_VERSION} is required, found {pn.__version__}")
    catalog = Catalog()
    by_cc = geocoded_prefixes()
    for cc in sorted(by_cc, key=int):
        started, before = time.time(), len(catalog.areas)
        if cc == "1":
            nanp_areas(catalog, by_cc[cc])
        else:
            geographic_areas(catalog, cc, by_cc[cc])
        log(f"+{cc}: {len(by_cc[cc])} geocoded prefixes -> {len(catalog.areas) - before} areas"
            f" ({time.time() - started:.1f} s)")
    for region in sorted(pn.SUPPORTED_REGIONS):
        if not any(a["country_id"] == region for a in catalog.areas.values()):
            # No geocoded area: one area named after the country (NANP islands, ...).
            from_example(catalog, region, "GEOGRAPHIC", english_name(region))
        for did_type in ("TOLLFREE", "MOBILE"):
            number_ranges(catalog, region, did_type)

    areas = sorted(catalog.areas.values(), key=lambda a: a["area_id"])
    countries_types = defaultdict(set)
    for area in areas:
        countries_types[area["country_id"]].update(area["did_types"])
    countries = [
        {
            "country_id": region,
            "name": english_name(region).upper(),
            "calling_code": str(pn.country_code_for_region(region)),
            "is_sms": region in SMS_AND_FAX,
            "is_fax": region in SMS_AND_FAX,
        }
        for region in sorted(countries_types)
    ]
    missing = sorted(set(pn.SUPPORTED_REGIONS) - set(countries_types))
    log(f"{len(countries)} countries, {len(areas)} areas; no area in: {' '.join(missing)}")
    write(sys.stdout, {
        "source": f"libphonenumber {PHONENUMBERS_VERSION} metadata and geocoding data "
                  "(phonenumbers package, Apache-2.0), by tools/generate_catalog.py",
        "countries": countries,
        "states": sorted(catalog.states.values(), key=lambda s: s["state_id"]),
        "areas": areas,
        "rate_plans": [{"rate_plan_id": p, "name": n} for p, n in PLANS],
        "prices": [
            {"area_id": a, "rate_plan_id": p, "monthly100": m, "setup100": s}
            for a, p, m, s in sorted(AREA_PRICES)
        ],
        "country_prices": prices(countries_types),
    })


def write(out, document):
    """JSON with one record per line: small, and diffs show what a regeneration changed."""
    out.write("{\n")
    keys = list(document)
    for i, key in enumerate(keys):
        value = document[key]
        comma = "," if i < len(keys) - 1 else ""
        if isinstance(value, list):
            out.write(f"{json.dumps(key)}: [\n")
            for j, record in enumerate(value):
                sep = "," if j < len(value) - 1 else ""
                out.write(json.dumps(record, ensure_ascii=False, separators=(",", ":")) + sep + "\n")
            out.write(f"]{comma}\n")
        else:
            out.write(f"{json.dumps(key)}: {json.dumps(value, ensure_ascii=False)}{comma}\n")
    out.write("}\n")


if __name__ == "__main__":
    main()
