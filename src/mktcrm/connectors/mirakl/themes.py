"""Mirakl's built-in return reasons (RT11 `reason_code`, labels in `disputes.RETURN_LABELS`) as friction themes.

Incident and thread reasons are each operator's own (RE01): their labels ("Article endommagé") are read by
the theme lexicon instead, so nothing here depends on one operator's codes.
"""

from __future__ import annotations

REASON_THEMES: dict[str, str | None] = {
    "RETURN_BROKEN_ITEM": "damaged",
    "RETURN_CHANGED_MIND": "other",
    "RETURN_CM_DONT_LIKE": "other",
    "RETURN_CM_DONT_WANT": "other",
    "RETURN_CM_QUALITY": "not_as_described",
    "RETURN_COUNTERFEIT_ITEM": "not_as_described",
    "RETURN_DAMAGED_PACKAGING": "damaged",
    "RETURN_DEFECTIVE_ITEM": "damaged",
    "RETURN_DEFECTIVE_ON_ARRIVAL": "damaged",
    "RETURN_DELIVERED_PRODUCT_DIFFERENT": "not_as_described",
    "RETURN_DPD_WRONG_COLOR": "not_as_described",
    "RETURN_DPD_WRONG_SIZE": "not_as_described",
    "RETURN_INACCURATE_ITEM_DESCRIPTION": "not_as_described",
    "RETURN_MISSING_ITEM": "missing_item",
    "RETURN_OTHER": "other",
    "RETURN_PDNT_TOO_BIG": "not_as_described",
    "RETURN_PDNT_TOO_SMALL": "not_as_described",
    "RETURN_PRODUCT_DOES_NOT_FIT": "not_as_described",
    "RETURN_WARRANTY": "damaged",
}
