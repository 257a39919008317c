"""eegxai.dna: transcription-factor binding from DNA sequence, explained.

The lecture's DNA slide (Alipanahi et al. 2015, DeepBind; Vidovic et al. 2016)
on real ChIP-seq peaks (the FASTA files shipped in the ``janggu`` wheel) and on
simulated sequences with a planted JASPAR motif (ground truth):

* :mod:`~eegxai.dna.sequences` — FASTA parsing, one-hot encoding;
* :mod:`~eegxai.dna.shuffle` — Altschul–Erickson dinucleotide shuffle (negatives);
* :mod:`~eegxai.dna.data` — the peaks from the janggu wheel, data sets;
* :mod:`~eegxai.dna.model`, :mod:`~eegxai.dna.training` — DeepBind-style CNN;
* :mod:`~eegxai.dna.relevance` — nucleotide relevance (LRP, gradient × input,
  integrated gradients via :func:`eegxai.explain.explain`; in-silico mutagenesis);
* :mod:`~eegxai.dna.simulate` — planted-PWM ground truth;
* :mod:`~eegxai.dna.motifs` — relevant windows → PWM → JASPAR match;
* :mod:`~eegxai.dna.figures`, :mod:`~eegxai.dna.report`, :mod:`~eegxai.dna.pipeline`.

The explanation and evaluation core (:mod:`eegxai.explain`,
:mod:`eegxai.evaluate`) is used unchanged.
"""
