"""The bucket's CORS configuration as S3's XML, in boto3's shape, read and written (pure).

https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutBucketCors.html
"""

from __future__ import annotations

import xml.etree.ElementTree as ElementTree

from .transport import namespace

S3_XMLNS = "http://s3.amazonaws.com/doc/2006-03-01/"
#: The XML element of each list, and the name boto3 gives it.
LISTS = {
    "AllowedOrigin": "AllowedOrigins",
    "AllowedMethod": "AllowedMethods",
    "AllowedHeader": "AllowedHeaders",
    "ExposeHeader": "ExposeHeaders",
}


def parse_rules(answer: ElementTree.Element) -> list[dict]:
    ns = namespace(answer)
    rules = []
    for element in answer.iter(f"{ns}CORSRule"):
        rule: dict = {}
        for child in element:
            name = child.tag[len(ns) :]
            if name in LISTS:
                rule.setdefault(LISTS[name], []).append(child.text or "")
            elif name == "MaxAgeSeconds":
                rule[name] = int(child.text or 0)
            elif name == "ID":
                rule[name] = child.text or ""
        rules.append(rule)
    return rules


def rules_document(rules: list[dict]) -> bytes:
    root = ElementTree.Element("CORSConfiguration", xmlns=S3_XMLNS)
    for rule in rules:
        element = ElementTree.SubElement(root, "CORSRule")
        if "ID" in rule:
            ElementTree.SubElement(element, "ID").text = rule["ID"]
        for name, plural in LISTS.items():
            for value in rule.get(plural, ()):
                ElementTree.SubElement(element, name).text = value
        if "MaxAgeSeconds" in rule:
            ElementTree.SubElement(element, "MaxAgeSeconds").text = str(rule["MaxAgeSeconds"])
    return ElementTree.tostring(root, encoding="utf-8")
