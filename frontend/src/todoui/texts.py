"""Every sentence and label the page's code shows, in Japanese; the page's fixed markup is in index.html.

A sentence that carries a value is a template: ``fill`` puts the values in
place of its ``{}`` marks, in order. Limits come from the modules that own
them, so a changed limit changes its message too.
"""


def fill(template, values):
    """``template`` with each ``{}`` replaced by the next of ``values``, as text."""
    parts = template.split("{}")
    result = parts[0]
    for index in range(1, len(parts)):
        result += str(values[index - 1]) + parts[index]
    return result


# The list.
PRIORITY_NAMES = ["最低", "低", "中", "高", "最高"]  # index = priority - 1
EMPTY_LIST = "ToDo はまだありません。「新規登録」から追加できます。"
LOADING = "読み込み中…"
LIST_FAILED = "一覧を読み込めませんでした。"
LIST_NEEDS_SIGN_IN = "ログインすると ToDo の一覧が表示されます。"
SUMMARY = "全 {} 件 (未完了 {} 件)"
UPDATE_BUTTON = "変更"
DELETE_BUTTON = "削除"
CHECK_LABEL = "「{}」を完了にする"
UPDATE_LABEL = "「{}」を変更"
DELETE_LABEL = "「{}」を削除"

# Views, sorts, search and your own order.
SORT_NAMES = {"own": "自分の順", "due": "期限順", "priority": "重要度順"}
CAPTION = "ToDo 一覧 (未完了が先、{})"
SHOWN = "{} 件を表示 (全 {} 件)"
NO_MATCH = "検索に一致する ToDo はありません。"
EMPTY_VIEWS = {
    "today": "今日までの ToDo はありません。",
    "all": EMPTY_LIST,
    "completed": "完了した ToDo はありません。",
}
MOVE_UP_BUTTON = "↑"
MOVE_DOWN_BUTTON = "↓"
MOVE_UP_LABEL = "「{}」を上へ移動"
MOVE_DOWN_LABEL = "「{}」を下へ移動"
GRIP_TITLE = "ドラッグして並べ替え (行の中で Alt+↑/↓ でも移動できます)"
# {}: the title, its place among the todos shown, and how many are shown.
MOVED = "「{}」を {} 番目に移動しました (全 {} 件中)。"
MOVE_FAILED = "並べ替えを保存できませんでした。"

# Due dates. {}: the date as the list writes it (3/5(木)).
WEEKDAYS = ["日", "月", "火", "水", "木", "金", "土"]  # index = weekday, Sunday first
DUE_LABELS = {
    "overdue": "期限切れ {}",
    "today": "今日まで",
    "tomorrow": "明日まで",
    "later": "{}まで",
}

# The todo dialog.
NEW_TITLE = "新規登録"
EDIT_TITLE = "変更"
ENTER_TITLE = "タイトルを入力してください。"
TITLE_TOO_LONG = "タイトルは {} 文字以内にしてください。"
MEMO_TOO_LONG = "メモは {} 文字以内にしてください。"
CHOOSE_PRIORITY = "重要度は {} から {} の中から選んでください。"
# {}: the field's name (FIELD_NAMES), then the character as U+XXXX.
BAD_CHARACTER = "{}に使えない文字 ({}) が含まれています。制御文字や、文字の向きを変える記号は使えません。"
BAD_CHARACTERS = "{}に使えない文字が含まれています。制御文字や、文字の向きを変える記号は使えません。"
FIELD_NAMES = {
    "title": "タイトル",
    "memo": "メモ",
    "priority": "重要度",
    "completed": "完了",
    "due": "期限",
    "position": "並び順",
}
# What each field must be, for a refusal the page has no closer words for; {}: the field's limits.
FIELD_RULES = {
    "title": "タイトルは、見える文字を 1 文字以上含めて {} 文字以内で入力してください (制御文字は使えません)。",
    "memo": "メモは {} 文字以内で入力してください (タブと改行のほかの制御文字は使えません)。",
    "priority": CHOOSE_PRIORITY,
    "completed": "完了の印を保存できませんでした。ページを読み込み直して、もう一度お試しください。",
    "due": "期限は実在する日付を選んでください (空欄なら期限なし)。",
    "position": "並び順を保存できませんでした ({} 文字以内の英数字)。ページを読み込み直して、もう一度お試しください。",
}
KEPT_AFTER_STALE = "入力した内容はそのままです。「登録」を押すと上書きします。"
KEPT_AFTER_MISSING = "「登録」を押すと新しい ToDo として登録します。"
KEPT_AFTER_SIGN_IN = "ログインしました。入力した内容はそのままです。「登録」を押すと保存します。"

# Notices.
CREATED = "「{}」を登録しました。"
CHANGED = "「{}」を変更しました。"
DELETED = "「{}」を削除しました。"
RESTORED = "「{}」を元に戻しました。"
SIGNED_IN_AS = "{}です。"
SIGNED_OUT = "ログアウトしました。"
NO_CONFIG = "設定 (config.js) を読み込めませんでした。"

# The API's answers.
NETWORK = "サーバーに接続できませんでした。ネットワークを確認して、もう一度お試しください。"
UNAUTHORIZED = "ログインが必要です。ログインしてから、もう一度お試しください。"
MISSING = "この ToDo は見つかりません。ほかの画面で削除されたようです。"
STALE = "この ToDo はほかの画面で変更されていました。最新の内容を読み込みました。"
# A refusal the page has no words for: the API's own message (English) is shown under it.
INPUT_REFUSED = "入力内容を受け付けられませんでした。サーバーからの説明 (英語):"
INPUT_REFUSED_STATUS = "入力内容を受け付けられませんでした (HTTP {})。"
UNAVAILABLE = "サーバーが一時的に応答できません。{}待ってから、もう一度お試しください。"
WAIT_SECONDS = "{} 秒ほど"
WAIT_A_LITTLE = "少し"
UNEXPECTED = "予期しないエラーが発生しました (HTTP {})。"

# Accounts.
SIGN_IN_TO_USE = "ToDo を使うにはログインしてください。"
EXPIRED = "ログインの有効期限が切れました。もう一度ログインしてください。"
PROVIDER_NETWORK = "ログインのサーバーに接続できませんでした。ネットワークを確認して、もう一度お試しください。"
PROVIDER_FAILED = "ログインの処理に失敗しました ({})。"
WRONG_PASSWORD = "メールアドレスかパスワードが正しくありません。"
BUSY = "試行回数が多すぎます。しばらく待ってから、もう一度お試しください。"
ALREADY_REGISTERED = "このメールアドレスはすでに登録されています。ログインしてください。"
PASSWORD_RULE = "{} 文字以上で、英大文字・英小文字・数字を含めてください。"
PASSWORD_TOO_SHORT = "パスワードは {} 文字以上にしてください。"
WEAK_PASSWORD = "パスワードが条件を満たしていません。"
CONFIRM_AFTER_SIGN_IN = "もう一度ログインしてください。確認コードはそのあとで入力できます。"
CHALLENGE_EXPIRED = "時間が経ったため、もう一度仮のパスワードでログインしてください。"
CANNOT_SIGN_IN_HERE = "このアカウントはこの画面ではログインできません ({})。管理者に連絡してください。"
ENTER_EMAIL = "メールアドレスを入力してください。"
BAD_EMAIL = "メールアドレスの形式が正しくありません。"
ENTER_PASSWORD = "パスワードを入力してください。"
ENTER_CODE = "メールに届いた確認コードを入力してください。"
CODE_SENT = "{} に確認コードを送りました。"
CODE_SENT_AGAIN = "{} に確認コードをもう一度送りました。"
NOT_SIGNED_IN = "ログインしていません"
NOT_SIGNED_IN_DEMO = "ログインしていません (デモの一覧を表示中)"
SIGNED_IN = "ログイン中"
SIGNED_IN_WITH = "{} でログイン中"
PASSWORD_LABEL = "パスワード"
NEW_PASSWORD_LABEL = "新しいパスワード"
TO_SIGN_UP = "アカウントを作成"
TO_SIGN_IN = "ログインに戻る"
# The identity provider's errors by name (Cognito's exception names); {}: the password's minimum length.
PROVIDER_MESSAGES = {
    "UsernameExistsException": ALREADY_REGISTERED,
    "AliasExistsException": ALREADY_REGISTERED,
    "NotAuthorizedException": WRONG_PASSWORD,
    # Shown like a wrong password, so the form does not tell who has an account.
    "UserNotFoundException": WRONG_PASSWORD,
    "InvalidPasswordException": WEAK_PASSWORD + PASSWORD_RULE,
    "CodeMismatchException": "確認コードが正しくありません。メールに届いたコードを入力してください。",
    "ExpiredCodeException": "確認コードの有効期限が切れています。「コードを再送」を押してください。",
    "UserNotConfirmedException": "メールアドレスの確認がまだです。メールに届いた確認コードを入力してください。",
    "InvalidParameterException": "入力内容を確認してください。メールアドレスの形式が正しくないようです。",
    "TooManyRequestsException": BUSY,
    "TooManyFailedAttemptsException": BUSY,
    "LimitExceededException": BUSY,
    "CodeDeliveryFailureException": "確認コードのメールを送れませんでした。メールアドレスを確認してください。",
    "PasswordResetRequiredException": "パスワードの再設定が必要です。管理者に連絡してください。",
    "ResourceNotFoundException": "ログインの設定 (config.json の auth) が正しくありません。",
}
SIGN_UP_DIALOG = {
    "title": "アカウント作成",
    "submit": "アカウントを作成",
    "lead": "メールアドレスとパスワードを決めてください。確認コードをメールで送ります。",
}
NEW_PASSWORD_DIALOG = {
    "title": "新しいパスワードの設定",
    "submit": "設定してログイン",
    "lead": "仮のパスワードでログインしました。これから使うパスワードを決めてください。",
}
CONFIRM_DIALOG = {"title": "メールアドレスの確認", "submit": "確認", "lead": ENTER_CODE}
# The local stack's provider sends no mail and takes any code: its dialog says so, and only its dialog.
LOCAL = "ローカルの環境なので、メールは送られません。確認コードには何を入力しても通ります (例: 123456)。"
SIGN_UP_DIALOG_LOCAL = {
    "title": SIGN_UP_DIALOG["title"],
    "submit": SIGN_UP_DIALOG["submit"],
    "lead": "メールアドレスとパスワードを決めてください。" + LOCAL,
}
ENTER_CODE_LOCAL = "確認コードを入力してください。"
CONFIRM_DIALOG_LOCAL = {
    "title": CONFIRM_DIALOG["title"],
    "submit": CONFIRM_DIALOG["submit"],
    "lead": ENTER_CODE_LOCAL + LOCAL,
}
CREATED_LOCAL = "{} のアカウントを作りました。"
UNCONFIRMED_LOCAL = "メールアドレスの確認がまだです。" + ENTER_CODE_LOCAL
SIGN_IN_DIALOG = {"title": "ログイン", "submit": "ログイン", "lead": "メールアドレスとパスワードでログインします。"}
