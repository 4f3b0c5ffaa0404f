"""The settings of each channel as the administrator's page shows them.

(name, label, kind, help): kind is "text", "secret" (write-only: never shown back),
"choice:a=甲|b=乙", "json" or "number".
"""

from __future__ import annotations

Field = tuple[str, str, str, str]

TIMEOUT: Field = ("timeout", "超时（秒）", "number", "默认10秒")

CHANNEL_FIELDS: dict[str, list[Field]] = {
    "email": [
        ("host", "SMTP服务器", "text", "如 smtp.yunxi.gov.cn"),
        ("port", "端口", "number", "STARTTLS一般为587，SSL为465"),
        (
            "security",
            "加密方式",
            "choice:starttls=STARTTLS|ssl=SSL/TLS|none=不加密（仅限内网）",
            "",
        ),
        ("username", "登录用户名", "text", "不需要登录时留空"),
        ("password", "登录密码", "secret", ""),
        ("sender", "发件人地址", "text", ""),
        ("sender_name", "发件人名称", "text", "如 云溪县政府办公室督查室"),
        ("cafile", "CA证书文件", "text", "内网自建CA时填写服务器上的证书路径"),
        TIMEOUT,
    ],
    "sms": [
        (
            "preset",
            "接口类型",
            "choice:generic=通用短信网关|aliyun=阿里云短信|tencent=腾讯云短信",
            "",
        ),
        ("template_id", "模板编号", "text", "短信平台审核通过的模板ID/模板CODE"),
        ("sign_name", "短信签名", "text", "如 云溪县政府办"),
        ("template_param", "模板变量名", "text", "阿里云：模板中的变量名，默认content"),
        ("param_max", "变量最长字数", "number", "默认35"),
        ("url", "网关地址（通用）", "text", "如 http://10.1.2.3:8080/sms/send"),
        ("method", "请求方法（通用）", "choice:POST=POST|GET=GET", ""),
        ("format", "请求格式（通用）", "choice:form=表单|json=JSON", ""),
        (
            "fields",
            "请求字段（通用）",
            "json",
            '如 {"account":"{account}","mobile":"{mobile}","content":"{content}"}；'
            "可用 {mobile} {content} {template_id} {sign_name} {account} {password} "
            "{timestamp} {nonce}",
        ),
        ("account", "网关账号（通用）", "text", ""),
        ("password", "网关密码（通用）", "secret", ""),
        (
            "sign_method",
            "签名方式（通用）",
            "choice:none=不签名|md5=MD5|hmac-sha256=HMAC-SHA256",
            "",
        ),
        ("sign_param", "签名字段名（通用）", "text", "默认sign"),
        ("sign_key", "签名密钥（通用）", "secret", ""),
        ("success_field", "成功标志字段（通用）", "text", "默认code"),
        ("success_value", "成功标志值（通用）", "text", "默认0"),
        ("endpoint", "接口地址（云短信）", "text", "留空使用官方地址"),
        ("access_key_id", "AccessKey ID（阿里云）", "text", ""),
        ("access_key_secret", "AccessKey Secret（阿里云）", "secret", ""),
        ("secret_id", "SecretId（腾讯云）", "text", ""),
        ("secret_key", "SecretKey（腾讯云）", "secret", ""),
        ("sdk_app_id", "SdkAppId（腾讯云）", "text", ""),
        ("region", "地域", "text", "阿里云默认cn-hangzhou，腾讯云默认ap-guangzhou"),
        TIMEOUT,
    ],
    "wecom_app": [
        ("base_url", "服务器地址", "text", "企业微信留空；政务微信填写本省政务微信的接口地址"),
        ("corpid", "企业ID（corpid）", "text", ""),
        ("agentid", "应用AgentId", "text", ""),
        ("secret", "应用Secret", "secret", ""),
        TIMEOUT,
    ],
    "wecom_robot": [
        ("base_url", "服务器地址", "text", "企业微信留空；政务微信填写本省接口地址"),
        ("key", "机器人Webhook的key", "secret", "Webhook地址中 key= 之后的部分"),
        TIMEOUT,
    ],
    "dingtalk_work": [
        ("base_url", "服务器地址", "text", "钉钉留空；专有钉钉填写本地接口地址"),
        ("appkey", "应用AppKey", "text", ""),
        ("agent_id", "应用AgentId", "text", ""),
        ("appsecret", "应用AppSecret", "secret", ""),
        TIMEOUT,
    ],
    "dingtalk_robot": [
        ("base_url", "服务器地址", "text", "钉钉留空"),
        ("access_token", "机器人access_token", "secret", "Webhook地址中 access_token= 之后的部分"),
        ("sign_secret", "加签密钥（SEC开头）", "secret", "机器人安全设置选择“加签”时填写"),
        TIMEOUT,
    ],
}

ADDRESS_HELP: dict[str, str] = {
    "email": "收件邮箱地址",
    "sms": "手机号码",
    "wecom_app": "企业微信账号（UserID）",
    "wecom_robot": "被@人的手机号码（可空）",
    "dingtalk_work": "钉钉用户ID（userid）",
    "dingtalk_robot": "被@人的手机号码（可空）",
}


def choices(kind: str) -> list[tuple[str, str]]:
    return [tuple(c.split("=", 1)) for c in kind.removeprefix("choice:").split("|")]  # type: ignore[misc]
