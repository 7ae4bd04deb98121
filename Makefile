# The two set-up commands of the README: `make dev` runs a node on embedded defaults,
# `make test` runs the whole test suite. Both install what the build needs first.
.PHONY: dev test lint bench setup

setup:
	./scripts/setup-system.sh

dev: setup
	cargo run --release --bin zld -- dev

test: setup
	cargo build --release --bins
	cargo test --release --workspace

lint: setup
	cargo fmt --all -- --check
	cargo clippy --release --workspace --all-targets -- -D warnings

bench: setup
	cargo build --release --bins
	./target/release/zl bench all
