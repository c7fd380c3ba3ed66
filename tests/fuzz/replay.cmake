# Included by tests/CMakeLists.txt: every fuzz target built as a plain program that replays its seed
# corpus (replay_main.cpp), registered with ctest. The gcc ASan+UBSan test build thus runs each target's
# properties on every input of tests/fuzz/corpus; tests/fuzz/run.sh does the actual fuzzing with clang.
set(bulwark_fuzz_dir ${CMAKE_CURRENT_LIST_DIR})
foreach(target request_parser reply_parser policy_loader)
  add_executable(fuzz_replay_${target} ${bulwark_fuzz_dir}/${target}_fuzzer.cpp ${bulwark_fuzz_dir}/replay_main.cpp)
  add_test(NAME fuzz.replay.${target} COMMAND fuzz_replay_${target} ${bulwark_fuzz_dir}/corpus/${target})
  set_tests_properties(fuzz.replay.${target} PROPERTIES LABELS fuzz)
endforeach()
target_link_libraries(fuzz_replay_request_parser PRIVATE bulwark_redis_protocol)
target_link_libraries(fuzz_replay_reply_parser PRIVATE bulwark_redis_protocol)
target_link_libraries(fuzz_replay_policy_loader PRIVATE bulwark_core)
