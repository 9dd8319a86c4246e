"""docs/ stays true: the Config table is generated from the same metadata."""

import os
import re

from fastfeat.config import fields_markdown

DOCS = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "docs")


def test_config_table_is_current():
    text = open(os.path.join(DOCS, "config.md"), encoding="utf-8").read()
    table = re.search(r"<!-- fields:begin -->\n(.*)<!-- fields:end -->", text, re.S).group(1)
    assert table == fields_markdown(), "regenerate the table in docs/config.md with fastfeat.config.fields_markdown()"
