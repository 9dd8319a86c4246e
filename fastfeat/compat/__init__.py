"""Drop-in signatures of the libraries fastfeat replaces.

``fastfeat.compat.librosa``, ``fastfeat.compat.kaldi``,
``fastfeat.compat.torchaudio`` and ``fastfeat.compat.psf`` keep the function
names, keyword names, defaults and output layouts of librosa, Kaldi
(kaldi-native-fbank option names), torchaudio.compliance.kaldi and
python_speech_features, so switching is one import; ``fastfeat.compat.whisper``,
``.nemo``, ``.speechbrain`` and ``.tensorflow`` do the same for those models' front ends.
Options outside what the engine implements raise ValueError naming them.
"""
