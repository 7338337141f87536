//! The SQL guard for question answering (being written; see the AI-layer issue).
