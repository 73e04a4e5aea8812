//! Evaluation: accuracy, macro-F1, per-class precision/recall, confusion matrix; k-fold
//! cross-validation.

use serde::{Deserialize, Serialize};

use crate::NlpError;
use crate::model::{
    Example, Model, Rng, Task, TrainOptions, featurize_all, label_set, train_featurized,
};

/// Scores of one class.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClassReport {
    pub label: String,
    pub precision: f64,
    pub recall: f64,
    pub f1: f64,
    /// Number of gold examples of this class.
    pub support: usize,
}

/// An evaluation report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    pub labels: Vec<String>,
    pub n: usize,
    pub accuracy: f64,
    /// Unweighted mean of the per-class F1 over the classes that occur (in gold or predictions).
    pub macro_f1: f64,
    pub per_class: Vec<ClassReport>,
    /// `confusion[gold][predicted]`.
    pub confusion: Vec<Vec<usize>>,
}

impl Report {
    /// Build a report from gold and predicted label indices into `labels`. Indices out of range
    /// are an error; so are slices of different lengths.
    pub fn from_predictions(
        labels: &[String],
        gold: &[usize],
        predicted: &[usize],
    ) -> Result<Report, NlpError> {
        if gold.len() != predicted.len() {
            return Err(NlpError::Options(format!(
                "{} gold labels but {} predictions",
                gold.len(),
                predicted.len()
            )));
        }
        let k = labels.len();
        let mut confusion = vec![vec![0usize; k]; k];
        for (g, p) in gold.iter().zip(predicted) {
            if *g >= k || *p >= k {
                return Err(NlpError::Options(format!(
                    "label index out of range (have {k} labels)"
                )));
            }
            confusion[*g][*p] += 1;
        }
        Ok(Report::from_confusion(labels.to_vec(), confusion))
    }

    pub(crate) fn from_confusion(labels: Vec<String>, confusion: Vec<Vec<usize>>) -> Report {
        let k = labels.len();
        let n: usize = confusion.iter().flatten().sum();
        let correct: usize = (0..k).map(|i| confusion[i][i]).sum();
        let mut per_class = Vec::with_capacity(k);
        let mut f1_sum = 0.0;
        let mut f1_n = 0usize;
        for i in 0..k {
            let tp = confusion[i][i] as f64;
            let support: usize = confusion[i].iter().sum();
            let predicted: usize = (0..k).map(|g| confusion[g][i]).sum();
            let precision = if predicted > 0 {
                tp / predicted as f64
            } else {
                0.0
            };
            let recall = if support > 0 {
                tp / support as f64
            } else {
                0.0
            };
            let f1 = if precision + recall > 0.0 {
                2.0 * precision * recall / (precision + recall)
            } else {
                0.0
            };
            if support > 0 || predicted > 0 {
                f1_sum += f1;
                f1_n += 1;
            }
            per_class.push(ClassReport {
                label: labels[i].clone(),
                precision,
                recall,
                f1,
                support,
            });
        }
        Report {
            labels,
            n,
            accuracy: if n > 0 {
                correct as f64 / n as f64
            } else {
                0.0
            },
            macro_f1: if f1_n > 0 { f1_sum / f1_n as f64 } else { 0.0 },
            per_class,
            confusion,
        }
    }
}

impl std::fmt::Display for Report {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(
            f,
            "n = {}, accuracy = {:.4}, macro-F1 = {:.4}",
            self.n, self.accuracy, self.macro_f1
        )?;
        writeln!(
            f,
            "{:<24} {:>9} {:>9} {:>9} {:>8}",
            "class", "precision", "recall", "f1", "support"
        )?;
        for c in &self.per_class {
            writeln!(
                f,
                "{:<24} {:>9.3} {:>9.3} {:>9.3} {:>8}",
                c.label, c.precision, c.recall, c.f1, c.support
            )?;
        }
        write!(
            f,
            "confusion (rows gold, columns predicted, order as above):"
        )?;
        for row in &self.confusion {
            write!(f, "\n  {row:?}")?;
        }
        Ok(())
    }
}

/// Evaluate `model` on labelled examples. Examples whose label the model does not know count as
/// errors in an extra row (they are reported, not dropped).
pub fn evaluate(model: &Model, examples: &[Example]) -> Result<Report, NlpError> {
    if examples.is_empty() {
        return Err(NlpError::Empty("no evaluation examples".into()));
    }
    let mut labels = model.labels().to_vec();
    let mut gold = Vec::with_capacity(examples.len());
    let mut pred = Vec::with_capacity(examples.len());
    for (i, e) in examples.iter().enumerate() {
        let canon = crate::model::canonical_label(model.task(), &e.label, Some(i as u64 + 1))?;
        let g = match labels.iter().position(|l| *l == canon) {
            Some(g) => g,
            None => {
                labels.push(canon);
                labels.len() - 1
            }
        };
        gold.push(g);
        pred.push(model.predict_index(&e.text));
    }
    Report::from_predictions(&labels, &gold, &pred)
}

/// Result of k-fold cross-validation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CvReport {
    pub k: usize,
    pub folds: Vec<Report>,
    /// All folds' predictions together.
    pub pooled: Report,
    pub mean_accuracy: f64,
    pub std_accuracy: f64,
    pub mean_macro_f1: f64,
    pub std_macro_f1: f64,
}

fn mean_std(xs: &[f64]) -> (f64, f64) {
    let n = xs.len().max(1) as f64;
    let m = xs.iter().sum::<f64>() / n;
    let v = xs.iter().map(|x| (x - m) * (x - m)).sum::<f64>() / n;
    (m, v.sqrt())
}

/// Stratified k-fold cross-validation: each class is shuffled (seeded by `options.seed`) and dealt
/// round-robin into `k` folds; a model is trained on k-1 folds and evaluated on the remaining one.
/// Deduplicate examples first (the same text in two folds inflates the scores).
pub fn cross_validate(
    task: Task,
    examples: &[Example],
    k: usize,
    options: &TrainOptions,
) -> Result<CvReport, NlpError> {
    if k < 2 {
        return Err(NlpError::Options(format!(
            "cross-validation needs k >= 2, got {k}"
        )));
    }
    if examples.len() < k {
        return Err(NlpError::Empty(format!(
            "{} examples cannot make {k} folds",
            examples.len()
        )));
    }
    let (labels, y) = label_set(task, examples)?;
    if labels.len() < 2 {
        return Err(NlpError::TooFewClasses {
            found: labels.len(),
            labels,
        });
    }
    options.validate()?;
    let feats = featurize_all(examples, options);
    let mut fold_of = vec![0usize; examples.len()];
    let mut rng = Rng::new(options.seed ^ 0xf01d);
    for c in 0..labels.len() {
        let mut members: Vec<usize> = (0..examples.len()).filter(|&i| y[i] == c).collect();
        rng.shuffle(&mut members);
        for (j, i) in members.into_iter().enumerate() {
            fold_of[i] = j % k;
        }
    }
    let nl = labels.len();
    let mut pooled = vec![vec![0usize; nl]; nl];
    let mut folds = Vec::with_capacity(k);
    let mut probs = Vec::new();
    for f in 0..k {
        let train_idx: Vec<usize> = (0..examples.len()).filter(|&i| fold_of[i] != f).collect();
        let tf: Vec<Vec<(u32, f32)>> = train_idx.iter().map(|&i| feats[i].clone()).collect();
        let ty: Vec<usize> = train_idx.iter().map(|&i| y[i]).collect();
        let model = train_featurized(task, labels.clone(), &tf, &ty, options);
        let mut confusion = vec![vec![0usize; nl]; nl];
        for i in (0..examples.len()).filter(|&i| fold_of[i] == f) {
            let p = model.probabilities(&feats[i], &mut probs);
            confusion[y[i]][p] += 1;
            pooled[y[i]][p] += 1;
        }
        folds.push(Report::from_confusion(labels.clone(), confusion));
    }
    let (mean_accuracy, std_accuracy) =
        mean_std(&folds.iter().map(|r| r.accuracy).collect::<Vec<_>>());
    let (mean_macro_f1, std_macro_f1) =
        mean_std(&folds.iter().map(|r| r.macro_f1).collect::<Vec<_>>());
    Ok(CvReport {
        k,
        folds,
        pooled: Report::from_confusion(labels, pooled),
        mean_accuracy,
        std_accuracy,
        mean_macro_f1,
        std_macro_f1,
    })
}
