import pytest

from instapd.sandbox.fields import FieldRequest, FieldSyntaxError, format_fields, parse_fields


def test_nested_expansion_with_modifiers_round_trips() -> None:
    text = "id,caption,children{id,media_type},comments.limit(10){id,text,replies{id}}"
    fields = parse_fields(text)
    assert [f.name for f in fields] == ["id", "caption", "children", "comments"]
    comments = fields[3]
    assert comments.modifiers == {"limit": "10"}
    assert comments.subfields is not None
    assert comments.subfields[2] == FieldRequest("replies", {}, (FieldRequest("id"),))
    assert format_fields(fields) == text


@pytest.mark.parametrize("text", ["id,children{id", "comments.limit(5", "a,{b}", "id}"])
def test_unbalanced_fields_are_rejected(text: str) -> None:
    with pytest.raises(FieldSyntaxError):
        parse_fields(text)
