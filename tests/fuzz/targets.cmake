# The libFuzzer targets, one per parser of outside bytes (tests/fuzz/README.md). Read by the fuzz
# build (tests/fuzz/CMakeLists.txt) and by the main build, which registers each with ctest.
set(janus_fuzz_targets
  fuzz_chat_request
  fuzz_json_scanner
  fuzz_admin_body
  fuzz_model_config
  fuzz_config_file
  fuzz_docker_api
  fuzz_docker_events
  fuzz_sse_scanner
  fuzz_request_id
  fuzz_path_segment
  fuzz_line_splitter
  fuzz_platform_parsers
  fuzz_request_head
  fuzz_check_rules
  fuzz_trace_context
  fuzz_container_output
  fuzz_sandbox_body
  fuzz_pull_progress
  fuzz_image_ref
  fuzz_response_reader
)
