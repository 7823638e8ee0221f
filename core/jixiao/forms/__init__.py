"""The self-evaluation form (项目支出绩效自评表, 财预〔2020〕10号 附件2): read it, turn it into a config."""
