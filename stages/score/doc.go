// Package score holds the phishing models and the pipeline stage "score".
//
// # Models
//
// Model is the interface every scorer implements: a name, a version and
// Score(*features.Set) returning a probability of phishing with the
// findings (pipeline.Finding) that drove it, most important first.
//
//   - LogReg, the production model: logistic regression over the hashed
//     features, trained here in Go (AdaGrad SGD, L2) with Platt-calibrated
//     probabilities. Its file (File, gzip-compressed JSON, format
//     "phishx-model/1") carries the model name and version, the feature-set
//     version, the training-data checksum, hyper-parameters, grouped
//     cross-validation metrics on the raw and the sanitized views, and the
//     non-zero weights. Loading refuses a file made for another feature set
//     (ErrFeatureSetVersion). The shipped model is embedded
//     (models/phishx-lr-2.json.gz, Embedded) and reproduced byte for byte
//     by: phishx train --corpus ../shared/corpus --out
//     stages/score/models/phishx-lr-2.json.gz --seed 1 --folds 5.
//     TestOutOfDistributionSyntheticHam checks it on synthetic modern
//     traffic (benchmarks/loadgen, never trained on).
//   - Rules ("rules", version "rules-2"): hand-set weights on the named
//     signals, not learned from data; a fallback or shadow model.
//
// Findings name the signals with the largest positive contribution to the
// logit in analyst words ("link text shows www.paypal.com, link goes to
// paypa1-secure.xyz"), plus one "phishing_wording" finding quoting the
// words that weighed most. Severity is the finding's share of the
// positive logit. Details may quote the message: they are PII.
//
// # Training
//
// Train extracts features, assigns grouped folds (GroupFolds: messages
// sharing a sender domain or a normalised subject stay in one fold),
// cross-validates on both views, fits the final model and calibration. It
// is deterministic: inputs sorted by path, a seeded PCG shuffle, no map
// iteration in anything that reaches the output, no timestamps in the
// file. Evaluate computes ROC AUC, precision, recall, F1, TPR at 1% and
// 0.1% FPR, the confusion matrix and a calibration table.
//
// # Stage
//
// Stage ("score") extracts the features of rec.Event.RawMessage within
// features.Config.Timeout and fills rec.Analysis: SenderDomain, Subject,
// URLCount, Attachments, Score, Action (quarantine >= QuarantineThreshold,
// flag >= FlagThreshold), ModelName, ModelVersion and Findings. A missing
// or still-sealed message, one over the size limit, or one whose
// extraction overruns the budget is a permanent error; the parent context
// ending is returned as retryable.
//
// # Concurrency
//
// LogReg, Rules and Stage are immutable after construction and safe for
// concurrent use; nothing blocks but CPU. Train and ExtractAll run their
// own goroutines and wait for all of them before returning.
package score
