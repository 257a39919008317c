"""eegxai.text: the text sibling workflow (20 Newsgroups, Arras et al. 2016, 2017).

Modules, in dependency order::

    data         offline 20 Newsgroups -> fetch_20newsgroups' Bunch
    tokenize     one tokenizer (with character spans) for both models
    vocabulary   training-split vocabulary, token ids, GloVe 6B 50d vectors
    models       LinearTextModel (TF-IDF + LinearSVC on ids), TextCNN (embedded input)
    training     seeded CNN training
    relevance    word relevance: LRP (eegxai.explain) and sensitivity, both models
    deletion     word deletion (eegxai.evaluate.perturbation_curve), accuracy AOPC
    epi          explanatory power index
    clever_hans  header tokens and the relevance they get
    figures, report, pipeline   figures, the HTML page, the Snakemake steps
"""
