"""The record as a FHIR bundle, for a patient's chart.

One ``collection`` Bundle per patient, built and validated with the ``fhir.resources``
models (the ``fhir`` extra): a Patient (an identifier only, no other personal data), a
Device (woundmeasure and its version), and for each visit of each wound an Observation
"Wound size panel" (LOINC 72287-6) with its area (89260-4, cm2), length (39126-8, cm) and
width (39125-0, cm), the photo as a Media (file name and SHA-256; the JPEG itself with
``embed_photos``), and Observations of the percent area reduction and of the 4-week result.
LOINC has no code for those two: they carry codes of this project's own CodeSystem
(:data:`CODESYSTEM`). The models are FHIR R4B (4.3.0) as ``fhir.resources`` ships them: for
these resources R4B is R4 (4.0.1) with the same elements, so an R4 server takes the bundle.
"""

from __future__ import annotations

import base64
import datetime as dt
import mimetypes
import uuid
from pathlib import Path

LOINC = "http://loinc.org"
UCUM = "http://unitsofmeasure.org"
CODESYSTEM = "https://github.com/woundmeasure/woundmeasure/codes"
PANEL = ("72287-6", "Wound size panel")
AREA = ("89260-4", "Area of wound")
LENGTH = ("39126-8", "Length of wound")
WIDTH = ("39125-0", "Width of wound")
PAR = ("percent-area-reduction", "Percent area reduction of the wound since the first visit")
PAR_4WK = ("par-4-week-threshold", "Percent area reduction at 4 weeks reaches the threshold")


def _site(wound: str) -> str:
    """The wound as a body-site text: "wound" for a photo's only wound, "wound A" for one of several."""
    return wound if wound == "wound" else f"wound {wound}"


def _coding(system, code_display):
    code, display = code_display
    return {"coding": [{"system": system, "code": code, "display": display}], "text": display}


def _quantity(value, unit):
    return {"value": round(float(value), 2), "unit": unit, "system": UCUM, "code": unit}


def _urn() -> str:
    return f"urn:uuid:{uuid.uuid4()}"


def _media(visit, when: str, patient_ref: str, embed_photos: bool) -> dict:
    """A visit's photo as a FHIR Media: its file name and SHA-256, and its bytes when ``embed_photos``."""
    media = {"resourceType": "Media", "status": "completed", "subject": {"reference": patient_ref},
             "createdDateTime": when, "identifier": [{"system": "urn:ietf:rfc:6920", "value":
                                                      f"ni:///sha-256;{visit.sha256}"}],
             "content": {"contentType": mimetypes.guess_type(visit.image)[0] or "application/octet-stream",
                         "title": Path(visit.image).name}}
    if embed_photos:
        media["content"]["data"] = base64.b64encode(Path(visit.image).read_bytes()).decode()
    return media


def patient_bundle(patient: str, tracks, *, embed_photos: bool = False) -> dict:
    """The FHIR Bundle (a dict, validated by ``fhir.resources``) of one patient's wound tracks.

    Parameters
    ----------
    patient : str
        The patient's identifier in the record (the only personal datum written).
    tracks : list of WoundTrack
        Their visits as the record holds them (:func:`woundmeasure.series.record_tracks`).
    embed_photos : bool
        Put each photo's bytes in its Media (base64); else its file name and SHA-256 only.

    Raises
    ------
    ImportError
        Without the ``fhir`` extra (``pip install -e ".[fhir]"`` from the clone).
    """
    from fhir.resources.R4B.bundle import Bundle

    from woundmeasure import __version__
    from woundmeasure.report import fmt_range
    from woundmeasure.tracking import closure_unconfirmed

    patient_ref, device_ref = _urn(), _urn()
    entries = [
        {"fullUrl": patient_ref, "resource": {
            "resourceType": "Patient", "identifier": [{"system": f"{CODESYSTEM}/patient", "value": patient}]}},
        {"fullUrl": device_ref, "resource": {
            "resourceType": "Device", "deviceName": [{"name": "woundmeasure", "type": "manufacturer-name"}],
            "version": [{"value": __version__}]}},
    ]
    media_refs: dict[str, str] = {}  # one Media per photo, whichever of its wounds' observations it backs
    for track in tracks:
        metrics = {(m.date, m.image): m for m in track.visits}
        for visit in track.stored:
            if not visit.measured or visit.excluded:
                continue
            m = metrics[(visit.date.isoformat(), visit.image)]
            when = visit.date.isoformat()
            result = visit.result or {}
            media_ref = media_refs.get(visit.image)
            if media_ref is None:
                media_ref = media_refs[visit.image] = _urn()
                entries.append({"fullUrl": media_ref, "resource": _media(visit, when, patient_ref, embed_photos)})
            method = (f"woundmeasure {__version__}; calibration: {(visit.calibration or {}).get('method')}; "
                      f"outline: {visit.outline or 'model'}")
            components = [{"code": _coding(LOINC, AREA), "valueQuantity": _quantity(visit.area_mm2 / 100, "cm2")}]
            for code, key in ((LENGTH, "length_mm"), (WIDTH, "width_mm")):
                if result.get(key) is not None:
                    components.append({"code": _coding(LOINC, code), "valueQuantity": _quantity(result[key] / 10, "cm")})
            unsure = closure_unconfirmed(visit)
            # a closure no person has confirmed yet is preliminary
            common = {"status": "preliminary" if unsure else "final", "subject": {"reference": patient_ref},
                      "effectiveDateTime": when,
                      "device": {"reference": device_ref}, "derivedFrom": [{"reference": media_ref}],
                      "bodySite": {"text": _site(track.wound)}, "method": {"text": method}}
            note = [{"text": text} for text in (visit.note, *visit.warnings) if text]  # a person's remark first
            if visit.area_mm2_low is not None and visit.area_mm2_high is not None:  # R4 has no element for it
                note.insert(0, {"text": f"95% interval of the area: {visit.area_mm2_low / 100:.2f}–"
                                        f"{visit.area_mm2_high / 100:.2f} cm2"})
            entries.append({"fullUrl": _urn(), "resource": {
                "resourceType": "Observation", "code": _coding(LOINC, PANEL), "component": components,
                **common, **({"note": note} if note else {})}})
            if m.par_pct is not None:
                entries.append({"fullUrl": _urn(), "resource": {
                    "resourceType": "Observation", "code": _coding(CODESYSTEM, PAR), **common,
                    "valueQuantity": _quantity(m.par_pct, "%"),
                    **({"note": [{"text": f"95% interval: {fmt_range(m.par_pct_low, m.par_pct_high, 1, '%', ' to ')}"}]}
                       if m.par_pct_high is not None else {})}})
        s = track.summary
        if s.par_4wk_pct is not None:
            entries.append({"fullUrl": _urn(), "resource": {
                "resourceType": "Observation", "status": "final", "code": _coding(CODESYSTEM, PAR_4WK),
                "subject": {"reference": patient_ref}, "bodySite": {"text": _site(track.wound)},
                "effectiveDateTime": (dt.date.fromisoformat(s.baseline_date) + dt.timedelta(days=28)).isoformat(),
                "device": {"reference": device_ref}, "valueBoolean": bool(s.meets_4wk_threshold),
                "note": [{"text": f"PAR at 4 weeks {s.par_4wk_pct:.1f}% against a threshold of {s.threshold_pct:g}%: "
                                  f"{s.verdict_4wk}"}]}})
    bundle = {"resourceType": "Bundle", "type": "collection",
              "timestamp": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"), "entry": entries}
    return Bundle.model_validate(bundle).model_dump(mode="json", exclude_none=True)
