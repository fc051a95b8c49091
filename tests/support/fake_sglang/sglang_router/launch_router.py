from tests.support.fake_sglang.stand_in import run

run("router")
