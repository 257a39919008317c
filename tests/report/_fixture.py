"""Tiny real pipeline outputs (simulated 2b-layout subject) in the results/ layout.

Every file is written by the eegxai.pipeline step functions, so the report is
tested against the formats the workflow really writes, not a copy of them.
"""

from __future__ import annotations

from pathlib import Path

DATASET = "sim2b"
SUBJECT = "sub-01"
MODEL = "shallow"
METHOD = "lrp"
SPLIT = {"kind": "session", "train": ["01T", "02T", "03T"], "test": ["04E", "05E"]}


def subject_paths(root: Path, dataset: str = DATASET, subject: str = SUBJECT,
                  model: str = MODEL, method: str = METHOD) -> dict[str, Path]:
    """Paths of one subject's outputs under ``root`` (the workflow's layout)."""
    r = Path(root) / "results"
    return {
        "epochs": r / "epochs" / dataset / f"{subject}-epo.fif",
        "qc_png": r / "qc" / dataset / f"{subject}.png",
        "qc_json": r / "qc" / dataset / f"{subject}.json",
        "model": r / "models" / dataset / subject / f"{model}.pt",
        "metrics": r / "metrics" / dataset / subject / f"{model}.json",
        "history": r / "metrics" / dataset / subject / f"{model}-history.csv",
        "baselines": r / "baselines" / dataset / f"{subject}.json",
        "relevance": r / "relevance" / dataset / subject / f"{model}-{method}.h5",
        "summary": r / "relevance" / dataset / subject / f"{model}-{method}.json",
        "compare": r / "compare" / dataset / subject / f"{model}.json",
        "expert": r / "compare" / dataset / subject / f"{model}-expert.json",
        "evaluate": r / "evaluate" / dataset / subject / f"{model}.json",
        "occlusion": r / "occlusion" / dataset / subject / f"{model}.json",
    }


def make_subject_outputs(root: Path, subject_number: int = 1, *,
                         subject: str | None = None, seed: int = 1) -> dict[str, Path]:
    """Run preprocess → train → baselines → explain → compare → evaluate → occlusion."""
    from eegxai import pipeline
    from eegxai.preprocessing import preprocess_subject

    subject = subject or f"sub-{subject_number:02d}"
    p = subject_paths(root, subject=subject)
    preprocess_subject(
        "simulated", subject_number, p["epochs"], p["qc_png"], p["qc_json"],
        loader_kwargs={"montage": "2b", "n_trials_per_class": 8, "seed": seed},
        channels=["C3", "Cz", "C4"], sfreq=100.0,
    )
    pipeline.train_step(
        p["epochs"], model=MODEL, split=SPLIT, out_model=p["model"],
        out_metrics=p["metrics"], out_history=p["history"], dataset=DATASET,
        subject=subject, seed=seed, n_epochs=2, batch_size=16, device="cpu",
    )
    pipeline.baselines_step(p["epochs"], methods=["csp_lda", "bandpower_lda"],
                            split=SPLIT, out_json=p["baselines"], dataset=DATASET,
                            subject=subject, seed=seed)
    pipeline.explain_step(p["epochs"], p["model"], method=METHOD,
                          out_relevance=p["relevance"], out_summary=p["summary"],
                          device="cpu", dataset=DATASET, subject=subject,
                          model_name=MODEL)
    pipeline.compare_step(p["epochs"], p["relevance"], p["summary"], p["baselines"],
                          p["model"], out_json=p["compare"], out_expert=p["expert"],
                          dataset=DATASET, subject=subject, model_name=MODEL,
                          n_permutations=20, erds_permutations=10,
                          perturbation_repeats=2, seed=seed)
    pipeline.evaluate_step(p["epochs"], p["model"], out_json=p["evaluate"],
                           methods=("lrp", "gradient"), composites=("epsilon_plus_flat",),
                           max_trials=8, n_steps=5, prototype_steps=30, device="cpu",
                           seed=seed)
    pipeline.band_occlusion_step(p["epochs"], p["model"], p["metrics"], p["occlusion"],
                                 n_permutations=99, seed=seed, device="cpu")
    return p
