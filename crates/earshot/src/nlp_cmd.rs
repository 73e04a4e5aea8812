//! `earshot nlp`: train, evaluate and configure the text models.

use crate::cli::{NlpArgs, NlpCommand, TaskArg};
use std::process::ExitCode;

fn task(t: TaskArg) -> nlp::Task {
    match t {
        TaskArg::Sentiment => nlp::Task::Sentiment,
        TaskArg::Topic => nlp::Task::Topic,
    }
}

fn csv_options(
    text_column: &str,
    label_column: &str,
    filter: Option<&str>,
    id_column: Option<&str>,
    skip_empty: bool,
) -> anyhow::Result<nlp::CsvOptions> {
    let (filter_column, filter_value) = match filter {
        Some(f) => {
            let (c, v) = f.split_once('=').ok_or_else(|| {
                anyhow::anyhow!("--filter must look like COLUMN=VALUE, got '{f}'")
            })?;
            (Some(c.to_string()), Some(v.to_string()))
        }
        None => (None, None),
    };
    Ok(nlp::CsvOptions {
        text_column: text_column.into(),
        label_column: label_column.into(),
        filter_column,
        filter_value,
        id_column: id_column.map(str::to_string),
        skip_empty_labels: skip_empty,
        ..Default::default()
    })
}

pub async fn run(
    settings: &server::Settings,
    args: NlpArgs,
    json: bool,
) -> anyhow::Result<ExitCode> {
    let store = store::Store::open(&settings.database_url()).await?;
    let code = match args.command {
        NlpCommand::Train {
            task: t,
            labels,
            text_column,
            label_column,
            filter,
            id_column,
            skip_empty_labels,
            brand,
            folds,
            with_corrections,
        } => {
            let t = task(t);
            let opts = csv_options(
                &text_column,
                &label_column,
                filter.as_deref(),
                id_column.as_deref(),
                skip_empty_labels,
            )?;
            let mut examples = match &labels {
                Some(path) => nlp::read_examples_csv(path, t, &opts)
                    .map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?,
                None => Vec::new(),
            };
            if with_corrections {
                anyhow::ensure!(
                    t == nlp::Task::Sentiment,
                    "--with-corrections applies to the sentiment task"
                );
                let corrections = store.corrections().await?;
                eprintln!("adding {} agent corrections as labels", corrections.len());
                examples.extend(
                    corrections
                        .into_iter()
                        .map(|c| nlp::Example::new(c.text, c.label)),
                );
            }
            anyhow::ensure!(
                !examples.is_empty(),
                "no training examples: give --labels FILE and/or --with-corrections"
            );
            let train_opts = nlp::TrainOptions::default();
            let cv = if folds >= 2 {
                let cv = nlp::cross_validate(t, &examples, folds, &train_opts)?;
                eprintln!(
                    "{folds}-fold cross-validation: accuracy {:.4} ± {:.4}, macro-F1 {:.4} ± {:.4}",
                    cv.mean_accuracy, cv.std_accuracy, cv.mean_macro_f1, cv.std_macro_f1
                );
                Some(cv)
            } else {
                None
            };
            let model = nlp::train(t, &examples, &train_opts)?;
            let row = store::ModelRow {
                id: uuid::Uuid::now_v7(),
                brand: brand.clone(),
                task: t.as_str().to_string(),
                created_at: time::OffsetDateTime::now_utc(),
                trained_on: examples.len() as i64,
                model: model.to_bytes()?,
                report: serde_json::json!({
                    "labels": model.labels(),
                    "cv_accuracy": cv.as_ref().map(|c| c.mean_accuracy),
                    "cv_macro_f1": cv.as_ref().map(|c| c.mean_macro_f1),
                    "folds": cv.as_ref().map(|c| c.k),
                }),
            };
            store.save_model(&row, "cli:nlp-train").await?;
            if json {
                println!("{}", serde_json::to_string(&row)?);
            } else {
                println!(
                    "saved {} model {} for brand '{}' ({} examples, labels {:?}); ingestion uses it from now on",
                    row.task,
                    row.id,
                    row.brand,
                    row.trained_on,
                    model.labels()
                );
            }
            ExitCode::SUCCESS
        }
        NlpCommand::Eval {
            task: t,
            labels,
            text_column,
            label_column,
            filter,
            id_column,
            skip_empty_labels,
            model,
            folds,
        } => {
            let t = task(t);
            let opts = csv_options(
                &text_column,
                &label_column,
                filter.as_deref(),
                id_column.as_deref(),
                skip_empty_labels,
            )?;
            let examples = nlp::read_examples_csv(&labels, t, &opts)
                .map_err(|e| anyhow::anyhow!("{}: {e}", labels.display()))?;
            match model {
                None => {
                    let cv =
                        nlp::cross_validate(t, &examples, folds, &nlp::TrainOptions::default())?;
                    if json {
                        println!("{}", serde_json::to_string(&cv)?);
                    } else {
                        println!(
                            "{}-fold cross-validation on {} examples: accuracy {:.4} ± {:.4}, macro-F1 {:.4} ± {:.4}",
                            cv.k,
                            examples.len(),
                            cv.mean_accuracy,
                            cv.std_accuracy,
                            cv.mean_macro_f1,
                            cv.std_macro_f1
                        );
                        println!("pooled over all folds:\n{}", cv.pooled);
                    }
                }
                Some(brand) => {
                    let stored = store.latest_models().await?;
                    let row = stored
                        .iter()
                        .find(|m| m.brand.eq_ignore_ascii_case(&brand) && m.task == t.as_str())
                        .ok_or_else(|| {
                            anyhow::anyhow!("no stored {} model for brand '{brand}'", t.as_str())
                        })?;
                    let m = nlp::Model::from_bytes_for(&row.model, t)?;
                    let report = nlp::evaluate(&m, &examples)?;
                    if json {
                        println!("{}", serde_json::to_string(&report)?);
                    } else {
                        println!(
                            "model {} (brand '{}') on {} examples:\n{report}",
                            row.id,
                            row.brand,
                            examples.len()
                        );
                    }
                }
            }
            ExitCode::SUCCESS
        }
        NlpCommand::Rules { brand, file } => {
            let text = std::fs::read_to_string(&file)
                .map_err(|e| anyhow::anyhow!("cannot read {}: {e}", file.display()))?;
            let rules: nlp::Rules = serde_json::from_str(&text)
                .map_err(|e| anyhow::anyhow!("{} is not a valid rule set: {e}", file.display()))?;
            // Check the rules compile before storing them.
            nlp::Enricher::new(nlp::NlpConfig::default())?.with_rules(&rules)?;
            store
                .set_rules(&brand, &serde_json::to_value(&rules)?, "cli:nlp-rules")
                .await?;
            println!("stored {} rules for brand '{brand}'", rules.rules.len());
            ExitCode::SUCCESS
        }
        NlpCommand::Models => {
            let models = store.latest_models().await?;
            if json {
                println!("{}", serde_json::to_string(&models)?);
            } else if models.is_empty() {
                println!(
                    "no calibrated models: the default scorer and keyword taxonomy are in use"
                );
            } else {
                for m in models {
                    println!(
                        "{}  brand '{}'  {}  trained on {}  {}",
                        m.id, m.brand, m.task, m.trained_on, m.report
                    );
                }
            }
            ExitCode::SUCCESS
        }
    };
    store.close().await;
    Ok(code)
}
