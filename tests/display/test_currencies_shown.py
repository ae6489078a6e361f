"""A yen deal and a dinar deal read in whole yen and in three-decimal dinars on the flags page and
in its CSV, beside a dollar deal in cents."""

import csv
import io
from decimal import Decimal as D

from deals.flags import flags_evaluate
from deals.roles import FINANCE
from tests.factories import UserFactory, make_deal, published_plan, seller

FLAGS = "/manager/flags/"


def test_each_deal_reads_in_its_own_currencys_minor_unit(client, db, django_capture_on_commit_callbacks):
    owner = seller()
    for currency, unit_price, fee, volume in [
        ("JPY", "333.33", "15000", "10"),
        ("BHD", "1.2345", "12.5", "1001"),
        ("USD", "2.40", "900", "3000"),
    ]:
        plan = published_plan(unit_price=D(unit_price), platform_fee=D(fee), currency=currency)
        with django_capture_on_commit_callbacks(execute=True):
            make_deal(owner=owner, plan_version=plan, volume=D(volume), name=currency, rollback_path="")
    flags_evaluate()
    client.force_login(UserFactory(username="frank", group=FINANCE))

    html = client.get(FLAGS, {"reason": "missing_rollback"}).content.decode()
    export = client.get(FLAGS, {"reason": "missing_rollback", "format": "csv"}).content.decode()

    assert ">18,333 JPY</td>" in html and ">1,248.235 BHD</td>" in html and ">8,100.00 USD</td>" in html
    header, *rows = list(csv.reader(io.StringIO(export)))
    net = {row[0]: row[header.index("Net / month")] for row in rows}
    assert net == {"JPY": "18333", "BHD": "1248.235", "USD": "8100.00"}
