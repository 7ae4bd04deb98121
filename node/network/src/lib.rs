//! The peer network. A single-validator chain needs none; libp2p peers and block sync arrive with the BFT issue.
#![forbid(unsafe_code)]
