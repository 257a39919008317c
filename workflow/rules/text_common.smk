# Input functions of the text study (workflow/rules/text.smk).


def text_model_file(variant, model):
    """Saved model of one variant: the SVM as arrays (.npz), the CNN as a state dict."""
    ext = "npz" if model == "svm" else "pt"
    return f"results/text/models/{variant}/{model}.{ext}"


def text_corpus(variant):
    """The corpus files of one variant (clean / headers), for unpack()."""
    return {
        "npz": f"results/text/data/{variant}/corpus.npz",
        "json": f"results/text/data/{variant}/corpus.json",
    }
