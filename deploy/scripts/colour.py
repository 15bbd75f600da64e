"""Blue-green for the API: rewrite rendered manifests (stdin) so that the API's Deployment, HPA
and PDB belong to one colour (``workbench-api-<colour>``, label ``workbench.io/colour``), and
print them (stdout). ``--service`` prints only the Service, selecting ``--colour``; ``--rest``
prints everything else. Used by deploy.sh; standard library and PyYAML only."""

from __future__ import annotations

import argparse
import sys
from typing import Any

import yaml

API = "workbench-api"
COLOUR_LABEL = "workbench.io/colour"


def _is_api(doc: dict[str, Any], kinds: set[str]) -> bool:
    return doc.get("kind") in kinds and doc["metadata"]["name"] == API


def coloured(doc: dict[str, Any], colour: str) -> dict[str, Any]:
    kind = doc["kind"]
    doc["metadata"]["name"] = f"{API}-{colour}"
    doc["metadata"].setdefault("labels", {})[COLOUR_LABEL] = colour
    if kind == "Deployment":
        doc["spec"]["selector"]["matchLabels"][COLOUR_LABEL] = colour
        doc["spec"]["template"]["metadata"]["labels"][COLOUR_LABEL] = colour
    elif kind == "PodDisruptionBudget":
        doc["spec"]["selector"]["matchLabels"][COLOUR_LABEL] = colour
    elif kind == "HorizontalPodAutoscaler":
        doc["spec"]["scaleTargetRef"]["name"] = f"{API}-{colour}"
    return doc


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--colour", required=True, choices=["blue", "green"])
    part = parser.add_mutually_exclusive_group(required=True)
    part.add_argument("--api", action="store_true", help="the coloured API workload")
    part.add_argument("--service", action="store_true", help="the API Service, this colour")
    part.add_argument("--rest", action="store_true", help="everything but the API's parts")
    args = parser.parse_args(argv)
    docs = [d for d in yaml.safe_load_all(sys.stdin) if d]
    workload = {"Deployment", "HorizontalPodAutoscaler", "PodDisruptionBudget"}
    if args.api:
        chosen = [coloured(d, args.colour) for d in docs if _is_api(d, workload)]
    elif args.service:
        chosen = [d for d in docs if _is_api(d, {"Service"})]
        for service in chosen:
            service["spec"]["selector"][COLOUR_LABEL] = args.colour
    else:
        chosen = [d for d in docs if not _is_api(d, workload | {"Service"})]
    if not chosen:
        print("colour.py: nothing of the API in the manifests on stdin", file=sys.stderr)
        return 1
    yaml.safe_dump_all(chosen, sys.stdout, sort_keys=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
