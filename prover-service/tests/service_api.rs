//! The HTTP API's contract: typed JSON errors with the right status for every kind of
//! bad request (and nothing half-written after them), the API key, the OpenAPI document,
//! restarts that keep every queued job, and idempotency under 500 concurrent submissions.
#![allow(clippy::unwrap_used)]

mod support;

use std::collections::BTreeSet;

use serde_json::{json, Value};
use support::{backends, database_url, free_port, get, post, Anvil, Process};

#[tokio::test(flavor = "multi_thread")]
async fn bad_requests_get_typed_errors_and_write_nothing() {
    let anvil = Anvil::start().await;
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("jobs.db").display());
    let artifacts = dir.path().join("artifacts");
    let artifacts_arg = artifacts.display().to_string();
    let service = Process::start(
        "serve",
        &[
            "--database-url",
            &db,
            "--artifacts-dir",
            &artifacts_arg,
            "--rpc-url",
            &anvil.url,
            "--body-limit-bytes",
            "4096",
            "--workers",
            "0",
        ],
    );
    let api = service.api();
    let jobs = format!("{api}/v1/jobs");
    let client = reqwest::Client::new();
    let raw = |body: &'static str| {
        let client = client.clone();
        let jobs = jobs.clone();
        async move {
            let response = client
                .post(&jobs)
                .header("content-type", "application/json")
                .body(body)
                .send()
                .await
                .unwrap();
            let status = response.status().as_u16();
            (status, response.json::<Value>().await.unwrap())
        }
    };
    let (status, body) = raw("{\"block_number\": 1,").await;
    assert_eq!((status, body["error"].as_str()), (400, Some("invalid_json")), "{body}");
    let (status, body) = raw("{\"block_number\": 2, \"mode\": \"execute\", \"colour\": 1}").await;
    assert_eq!((status, body["error"].as_str()), (400, Some("invalid_json")), "{body}");
    assert!(body["message"].as_str().unwrap().contains("colour"), "{body}");
    let (status, body) = raw("{\"block_number\": -1, \"mode\": \"execute\"}").await;
    assert_eq!(status, 400, "{body}");

    let big = json!({"guest_input": "00".repeat(5000), "mode": "execute"});
    let (status, body) = post(&client, &jobs, &big).await;
    assert_eq!((status, body["error"].as_str()), (413, Some("payload_too_large")), "{body}");

    for number in [u64::MAX, 1 << 40] {
        let (status, body) =
            post(&client, &jobs, &json!({"block_number": number, "mode": "execute"})).await;
        assert_eq!((status, body["error"].as_str()), (422, Some("block_not_found")), "{body}");
    }
    let (status, body) =
        post(&client, &jobs, &json!({"block_number": 1u64 << 40, "mode": "prove"})).await;
    assert_eq!((status, body["error"].as_str()), (422, Some("block_not_found")), "{body}");
    let (status, body) = get(&client, &format!("{jobs}/{}/proof", "ab".repeat(16))).await;
    assert_eq!((status, body["error"].as_str()), (404, Some("not_found")), "{body}");
    let (status, body) =
        post(&client, &jobs, &json!({"block_number": 1, "block_hash": "0x00", "mode": "execute"}))
            .await;
    assert_eq!((status, body["error"].as_str()), (422, Some("bad_block_reference")), "{body}");
    let (status, body) =
        post(&client, &jobs, &json!({"guest_input": "0xc0ffee", "mode": "execute"})).await;
    assert_eq!((status, body["error"].as_str()), (422, Some("bad_guest_input")), "{body}");
    let (status, body) =
        post(&client, &jobs, &json!({"block_hash": "0x1234", "mode": "execute"})).await;
    assert_eq!((status, body["error"].as_str()), (422, Some("bad_block_hash")), "{body}");
    let (status, body) =
        post(&client, &jobs, &json!({"block_number": 1, "mode": "execute", "priority": 5000}))
            .await;
    assert_eq!((status, body["error"].as_str()), (422, Some("bad_priority")), "{body}");

    let (status, body) = get(&client, &format!("{jobs}/0123")).await;
    assert_eq!((status, body["error"].as_str()), (404, Some("not_found")));
    let (status, _) = post(&client, &format!("{jobs}/0123/cancel"), &json!({})).await;
    assert_eq!(status, 404);
    let (status, body) = get(&client, &format!("{jobs}?status=done")).await;
    assert_eq!((status, body["error"].as_str()), (400, Some("bad_status")));
    let (status, body) = get(&client, &format!("{jobs}?limit=0")).await;
    assert_eq!((status, body["error"].as_str()), (400, Some("bad_limit")));
    let (status, body) = get(&client, &format!("{jobs}?from=nonsense")).await;
    assert_eq!((status, body["error"].as_str()), (400, Some("bad_cursor")));

    // Nothing was written by any of them.
    let (_, list) = get(&client, &jobs).await;
    assert_eq!(list["jobs"].as_array().unwrap().len(), 0);
    let stored = std::fs::read_dir(&artifacts).map(|d| d.count()).unwrap_or(0);
    assert_eq!(stored, 0, "no artifact was stored");

    // The OpenAPI document and the docs page.
    let (status, doc) = get(&client, &format!("{api}/openapi.json")).await;
    assert_eq!(status, 200);
    for path in
        ["/v1/jobs", "/v1/jobs/{id}", "/v1/jobs/{id}/cancel", "/healthz", "/readyz", "/metrics"]
    {
        assert!(doc["paths"].get(path).is_some(), "{path} is documented");
    }
    assert!(doc["components"]["schemas"].get("JobView").is_some());
    let docs = client.get(format!("{api}/docs")).send().await.unwrap();
    assert_eq!(docs.status().as_u16(), 200);
    assert!(docs.text().await.unwrap().contains("openapi"));
    let (status, _) = get(&client, &format!("{api}/healthz")).await;
    assert_eq!(status, 200);
}

#[tokio::test(flavor = "multi_thread")]
async fn an_unreachable_node_gets_503_and_the_api_key_guards_mutations() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("jobs.db").display());
    let artifacts = dir.path().join("artifacts").display().to_string();
    let dead = format!("http://127.0.0.1:{}", free_port());
    let service = Process::start(
        "serve",
        &[
            "--database-url",
            &db,
            "--artifacts-dir",
            &artifacts,
            "--rpc-url",
            &dead,
            "--rpc-retries",
            "1",
            "--rpc-timeout-ms",
            "500",
            "--api-key",
            "s3cret",
            "--workers",
            "0",
        ],
    );
    let api = service.api();
    let client = reqwest::Client::new();
    let request = json!({"block_number": 5, "mode": "execute"});
    let (status, body) = post(&client, &format!("{api}/v1/jobs"), &request).await;
    assert_eq!((status, body["error"].as_str()), (401, Some("unauthorized")));
    let response = client
        .post(format!("{api}/v1/jobs"))
        .bearer_auth("wrong")
        .json(&request)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 401);
    let response = client
        .post(format!("{api}/v1/jobs"))
        .bearer_auth("s3cret")
        .json(&request)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 503);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"], "node_unavailable", "{body}");
    let (status, ready) = get(&client, &format!("{api}/readyz")).await;
    assert_eq!(status, 503, "{ready}");
    assert_eq!(ready["database"], "ok");
    let (status, list) = get(&client, &format!("{api}/v1/jobs")).await;
    assert_eq!((status, list["jobs"].as_array().unwrap().len()), (200, 0), "reads need no key");
}

#[tokio::test(flavor = "multi_thread")]
async fn five_hundred_concurrent_submissions_of_fifty_blocks_make_fifty_jobs_that_survive_a_restart(
) {
    let anvil = Anvil::start().await;
    anvil.mine(50).await;
    for backend in backends() {
        let dir = tempfile::tempdir().unwrap();
        let db = database_url(&backend, dir.path()).await;
        let artifacts = dir.path().join("artifacts").display().to_string();
        let args = [
            "--database-url",
            db.as_str(),
            "--artifacts-dir",
            &artifacts,
            "--rpc-url",
            &anvil.url,
            "--workers",
            "0",
        ];
        let mut service = Process::start("serve", &args);
        let api = service.api().to_string();
        let client = reqwest::Client::new();
        let mut tasks = tokio::task::JoinSet::new();
        for i in 0..500u64 {
            let client = client.clone();
            let url = format!("{api}/v1/jobs");
            tasks.spawn(async move {
                let body = json!({"block_number": 2 + i % 50, "mode": "execute"});
                post(&client, &url, &body).await
            });
        }
        let mut ids = BTreeSet::new();
        let mut created = 0;
        while let Some(result) = tasks.join_next().await {
            let (status, job) = result.unwrap();
            assert!(status == 200 || status == 201, "{status}: {job}");
            created += usize::from(status == 201);
            ids.insert(job["id"].as_str().unwrap().to_string());
        }
        assert_eq!(ids.len(), 50, "one job per block");
        assert_eq!(created, 50, "exactly 50 answers said created");

        // Two pages of 30 and 20, then the restart keeps all 50.
        let (_, first) = get(&client, &format!("{api}/v1/jobs?limit=30&status=queued")).await;
        assert_eq!(first["jobs"].as_array().unwrap().len(), 30);
        let next = first["next"].as_str().unwrap();
        let (_, second) =
            get(&client, &format!("{api}/v1/jobs?limit=30&status=queued&from={next}")).await;
        assert_eq!(second["jobs"].as_array().unwrap().len(), 20);
        assert!(second["next"].is_null());

        // Restarted with room for 50 queued stages: the queue is full.
        service.terminate();
        let full: Vec<&str> = args.iter().copied().chain(["--max-queued", "50"]).collect();
        let service = Process::start("serve", &full);
        let url = format!("{}/v1/jobs", service.api());
        let (status, again) =
            post(&client, &url, &json!({"block_number": 2, "mode": "execute"})).await;
        assert_eq!(status, 200, "an existing job is answered even with a full queue: {again}");
        let (status, refused) =
            post(&client, &url, &json!({"block_number": 1, "mode": "execute"})).await;
        assert_eq!((status, refused["error"].as_str()), (429, Some("queue_full")), "{refused}");
        let (_, list) = get(&client, &format!("{}/v1/jobs?limit=100", service.api())).await;
        let after: BTreeSet<String> = list["jobs"]
            .as_array()
            .unwrap()
            .iter()
            .map(|j| j["id"].as_str().unwrap().to_string())
            .collect();
        assert_eq!(after, ids, "every queued job is still there after the restart, and no more");
        assert!(list["jobs"].as_array().unwrap().iter().all(|j| j["status"] == "queued"));
    }
}

/// Generic programs: an uploaded (or inline) ELF is named by the program id the service
/// computes, and its jobs run on a separate worker process that reaches the ELF and the
/// input only through the database: neither process's artifact directory is shared or
/// used. PostgreSQL keeps artifacts in the database by default; SQLite is told to.
#[tokio::test(flavor = "multi_thread")]
async fn generic_programs_run_on_a_worker_that_shares_only_the_database() {
    for backend in backends() {
        let dir = tempfile::tempdir().unwrap();
        let db = database_url(&backend, dir.path()).await;
        let dirs = [dir.path().join("api-artifacts"), dir.path().join("worker-artifacts")];
        let args = |role_dir: &std::path::Path| {
            let mut args = vec![
                "--database-url".to_string(),
                db.clone(),
                "--artifacts-dir".to_string(),
                role_dir.display().to_string(),
                "--poll-ms".to_string(),
                "50".to_string(),
            ];
            if db.starts_with("sqlite:") {
                args.extend(["--artifacts".to_string(), "database".to_string()]);
            }
            args
        };
        let mut api_args = args(&dirs[0]);
        api_args.extend(["--workers".to_string(), "0".to_string()]);
        let api_args: Vec<&str> = api_args.iter().map(String::as_str).collect();
        let service = Process::start("serve", &api_args);
        let worker_args = args(&dirs[1]);
        let worker_args: Vec<&str> = worker_args.iter().map(String::as_str).collect();
        let _worker = Process::start("worker", &worker_args);
        let api = service.api().to_string();
        let client = reqwest::Client::new();
        let upload = |elf: Vec<u8>| {
            let (client, url) = (client.clone(), format!("{api}/v1/programs"));
            async move {
                let response = client
                    .post(url)
                    .header("content-type", "application/octet-stream")
                    .body(elf)
                    .send()
                    .await
                    .unwrap();
                (response.status().as_u16(), response.json::<Value>().await.unwrap())
            }
        };

        // Upload: named by the Poseidon root of the initial memory, idempotent.
        let fibonacci = vm::Program::from_elf(guests::FIBONACCI_ELF).unwrap();
        let program_id = prover::program_id_hex(&fibonacci);
        let (status, program) = upload(guests::FIBONACCI_ELF.to_vec()).await;
        assert_eq!((status, program["program_id"].as_str()), (201, Some(&*program_id)));
        let (status, again) = upload(guests::FIBONACCI_ELF.to_vec()).await;
        assert_eq!((status, &again), (200, &program));
        let (status, read) = get(&client, &format!("{api}/v1/programs/{program_id}")).await;
        assert_eq!(
            (status, read["elf_bytes"].as_u64()),
            (200, Some(guests::FIBONACCI_ELF.len() as u64))
        );
        let (status, body) = upload(b"\x7fELF, but no".to_vec()).await;
        assert_eq!((status, body["error"].as_str()), (422, Some("bad_elf")), "{body}");
        let missing = format!("0x{}", "11".repeat(32));
        let (status, _) = get(&client, &format!("{api}/v1/programs/{missing}")).await;
        assert_eq!(status, 404);
        let (status, body) = get(&client, &format!("{api}/v1/programs/0x12")).await;
        assert_eq!((status, body["error"].as_str()), (422, Some("bad_program_id")), "{body}");

        // A job of the uploaded program, run by the worker process.
        let jobs = format!("{api}/v1/jobs");
        let request = json!({"program_id": program_id, "frames": ["5a"], "mode": "execute"});
        let (status, job) = post(&client, &jobs, &request).await;
        assert_eq!(status, 201, "{job}");
        let id = job["id"].as_str().unwrap().to_string();
        let done = support::wait_until_final(&client, &api, &id, 60).await;
        assert_eq!(done["status"], "succeeded", "{done:#}");
        let framed = prover_service::program::framed_input(vec![], &[vec![0x5a]]).unwrap();
        let native =
            vm::execute_program(&fibonacci, &framed, &vm::ExecutorConfig::default()).unwrap();
        assert_eq!(done["kind"], "program");
        assert_eq!(done["block_number"], Value::Null);
        let digest = prover_service::artifacts::artifact_id(&framed);
        assert_eq!(done["input_digest"], format!("0x{digest}"));
        assert_eq!(done["result"]["exit_code"], 0);
        assert_eq!(done["result"]["output"], format!("0x{}", hex::encode(&native.output)));
        assert_eq!(done["result"]["cycles"], native.cycles);
        assert_eq!(done["result"]["public_values"], Value::Null);
        let (status, same) = post(&client, &jobs, &request).await;
        assert_eq!((status, same["id"].as_str()), (200, Some(&*id)), "idempotent");

        // An inline ELF is registered as if uploaded.
        let digest_elf = hex::encode(guests::FIBONACCI_DIGEST_ELF);
        let (status, inline) =
            post(&client, &jobs, &json!({"elf": digest_elf, "frames": ["0a"], "mode": "execute"}))
                .await;
        assert_eq!(status, 201, "{inline}");
        let digest_program = vm::Program::from_elf(guests::FIBONACCI_DIGEST_ELF).unwrap();
        assert_eq!(inline["program_id"], prover::program_id_hex(&digest_program));
        let inline_id = inline["id"].as_str().unwrap();
        let done = support::wait_until_final(&client, &api, inline_id, 60).await;
        assert_eq!(done["status"], "succeeded", "{done:#}");
        assert_eq!(done["result"]["output"].as_str().unwrap().len(), 2 + 64, "one word");

        // A run whose output no proof states fails before any proving.
        let (status, prove) = post(
            &client,
            &jobs,
            &json!({"program_id": program_id, "frames": ["5a"], "mode": "prove"}),
        )
        .await;
        assert_eq!(status, 201, "{prove}");
        let failed =
            support::wait_until_final(&client, &api, prove["id"].as_str().unwrap(), 60).await;
        assert_eq!(failed["status"], "failed", "{failed:#}");
        assert!(failed["error"].as_str().unwrap().contains("has no proof"), "{failed:#}");
        assert_eq!(failed["stages"].as_array().unwrap().len(), 1, "no prove stage: {failed:#}");

        // Bad program requests.
        for (request, code) in [
            (
                json!({"program_id": program_id, "block_number": 1, "mode": "execute"}),
                "bad_job_reference",
            ),
            (json!({"input": "00", "mode": "execute"}), "bad_job_reference"),
            (
                json!({"program_id": program_id, "elf": "00", "mode": "execute"}),
                "bad_job_reference",
            ),
            (json!({"program_id": missing, "mode": "execute"}), "unknown_program"),
            (json!({"program_id": program_id, "input": "zz", "mode": "execute"}), "bad_input"),
            (json!({"program_id": program_id, "frames": ["0x1"], "mode": "execute"}), "bad_input"),
            (json!({"elf": "7f454c46", "mode": "execute"}), "bad_elf"),
        ] {
            let (status, body) = post(&client, &jobs, &request).await;
            assert_eq!((status, body["error"].as_str()), (422, Some(code)), "{request}: {body}");
        }

        // Every artifact went to the database; neither directory holds one.
        for dir in &dirs {
            let stored = std::fs::read_dir(dir).map(|d| d.count()).unwrap_or(0);
            assert_eq!(stored, 0, "{} is unused", dir.display());
        }
    }
}
