use super::*;
use time::macros::datetime;

const HEADER: &str =
    "tweet_id,author_id,inbound,created_at,text,response_tweet_id,in_response_to_tweet_id\n";

fn read(body: &[u8]) -> (Vec<Record>, Vec<LineError>) {
    let mut input = HEADER.as_bytes().to_vec();
    input.extend_from_slice(body);
    read_twcs(input.as_slice())
}

fn messages(records: &[Record]) -> Vec<&InboundMessage> {
    records
        .iter()
        .map(|r| match r {
            Record::Message(m) => m,
            other => panic!("twcs only yields messages, got {other:?}"),
        })
        .collect()
}

fn ids(records: &[Record]) -> Vec<&str> {
    messages(records)
        .into_iter()
        .map(|m| m.external_id.as_str())
        .collect()
}

#[test]
fn maps_customer_and_brand_tweets() {
    let (records, errors) = read(
        b"1,115712,True,Tue Oct 31 22:10:47 +0000 2017,@AcmeCare where is my parcel &amp; refund?,2,\n\
          2,AcmeCare,False,Tue Oct 31 22:12:00 +0000 2017,@115712 Sorry! Please DM us &lt;3,,1.0\n",
    );
    assert_eq!(errors, []);
    let m = messages(&records);
    assert_eq!(m.len(), 2);
    assert_eq!(m[0].external_id, "1");
    assert_eq!(m[0].channel, Channel::X);
    assert_eq!(m[0].direction, Direction::Inbound);
    assert_eq!(m[0].visibility, Visibility::Public);
    assert_eq!(m[0].author.id, "115712");
    assert_eq!(m[0].author.handle.as_deref(), Some("@115712"));
    assert_eq!(m[0].brand_account.as_deref(), Some("AcmeCare"));
    assert_eq!(m[0].text, "@AcmeCare where is my parcel & refund?");
    assert_eq!(m[0].created_at, datetime!(2017-10-31 22:10:47 UTC));
    assert_eq!(m[0].in_reply_to, None);
    assert_eq!(m[1].direction, Direction::Outbound);
    assert_eq!(m[1].author.id, "AcmeCare");
    assert_eq!(m[1].brand_account.as_deref(), Some("AcmeCare"));
    assert_eq!(m[1].in_reply_to.as_deref(), Some("1"));
    assert_eq!(m[1].text, "@115712 Sorry! Please DM us <3");
}

#[test]
fn multi_line_text_and_parents_before_replies() {
    // Row "3" is stamped a second before its parent "2" (clock skew), and the
    // brand reply "2" is listed before the tweet "1" it answers.
    let (records, errors) = read(
        b"2,AcmeCare,False,Tue Oct 31 22:11:00 +0000 2017,@115712 DM us,\"3,9\",1\n\
          1,115712,True,Tue Oct 31 22:11:00 +0000 2017,\"@AcmeCare my order\nnever \"\"arrived\"\"\",2,\n\
          3,115712,True,Tue Oct 31 22:10:59 +0000 2017,done,,2\n\
          4,300,True,Tue Oct 31 22:00:00 +0000 2017,@OtherBrand hi,,\n",
    );
    assert_eq!(errors, []);
    assert_eq!(ids(&records), ["4", "1", "2", "3"]);
    let m = messages(&records);
    assert_eq!(m[1].text, "@AcmeCare my order\nnever \"arrived\"");
    // a reply to a brand tweet is addressed to that brand
    assert_eq!(m[3].brand_account.as_deref(), Some("AcmeCare"));
}

#[test]
fn brand_is_found_through_the_thread_or_mentions() {
    let (records, errors) = read(
        b"10,500,True,Wed Nov 01 10:00:00 +0000 2017,my bill is wrong,,\n\
          11,500,True,Wed Nov 01 10:01:00 +0000 2017,hello??,,10\n\
          12,ZBrand,False,Wed Nov 01 10:30:00 +0000 2017,@500 looking into it,13,11\n\
          13,500,True,Wed Nov 01 10:40:00 +0000 2017,thanks,14,12\n\
          14,500,True,Wed Nov 01 10:41:00 +0000 2017,really,,13\n\
          20,600,True,Wed Nov 01 11:00:00 +0000 2017,@601 @zbrand look at this,,\n\
          21,602,True,Wed Nov 01 11:00:00 +0000 2017,@603 nothing here,,\n",
    );
    assert_eq!(errors, []);
    let brand: HashMap<&str, Option<&str>> = messages(&records)
        .into_iter()
        .map(|m| (m.external_id.as_str(), m.brand_account.as_deref()))
        .collect();
    assert_eq!(brand["10"], Some("ZBrand"), "somewhere in its thread");
    assert_eq!(brand["11"], Some("ZBrand"), "its brand reply");
    assert_eq!(brand["13"], Some("ZBrand"), "replying to the brand");
    assert_eq!(brand["14"], Some("ZBrand"), "up the chain");
    assert_eq!(brand["20"], Some("ZBrand"), "a known brand @mentioned");
    assert_eq!(brand["21"], None, "only a customer is mentioned");
}

#[test]
fn bad_rows_are_reported_with_line_and_column_and_reading_goes_on() {
    let mut body = Vec::new();
    body.extend_from_slice(b"1,100,True,Tue Oct 31 22:10:47 +0000 2017,\"two\nlines\",,\n"); // lines 2-3
    body.extend_from_slice(b"2,101,True,yesterday,hi,,\n"); // line 4
    body.extend_from_slice(b"3,102,True,Tue Oct 31 22:10:47 +0000 2017,caf\xe9 \xff,,\n"); // line 5
    body.extend_from_slice(b"4,103,Maybe,Tue Oct 31 22:10:47 +0000 2017,hi,,\n"); // line 6
    body.extend_from_slice(b",104,True,Tue Oct 31 22:10:47 +0000 2017,hi,,\n"); // line 7
    body.extend_from_slice(b"5,105,True,Tue Oct 31 22:10:47 +0000 2017\n"); // line 8
    body.extend_from_slice(b"1,100,True,Tue Oct 31 22:10:47 +0000 2017,again,,\n"); // line 9
    body.extend_from_slice(b"6,106,True,Tue Oct 31 22:10:47 +0000 2017,self,,6\n"); // line 10
    body.extend_from_slice(b"7,107,True,Tue Oct 31 22:10:48 +0000 2017,fine,,\n"); // line 11
    let (records, errors) = read(&body);
    assert_eq!(ids(&records), ["1", "7"]);
    let lines: Vec<usize> = errors.iter().map(|e| e.line).collect();
    assert_eq!(lines, [4, 5, 6, 7, 8, 9, 10], "{errors:#?}");
    assert_eq!(
        errors[0].error,
        RecordError::InvalidTimestamp {
            field: "created_at".into(),
            value: "yesterday".into(),
            expected: CREATED_AT_EXAMPLE
        }
    );
    assert_eq!(
        errors[1].error,
        RecordError::InvalidUtf8 {
            field: "column 'text'".into(),
            valid_up_to: 3
        }
    );
    assert!(errors[1].to_string().starts_with("line 5: column 'text'"));
    assert!(matches!(
        &errors[2].error,
        RecordError::UnknownValue { field, value, .. } if field == "inbound" && value == "Maybe"
    ));
    assert_eq!(errors[3].error, RecordError::missing("tweet_id"));
    assert!(matches!(&errors[4].error, RecordError::Csv(m) if m.contains("4 fields")));
    assert_eq!(
        errors[5].error,
        RecordError::Duplicate {
            field: "tweet_id",
            value: "1".into(),
            first_line: 2
        }
    );
    assert!(matches!(&errors[6].error, RecordError::Invalid(_)));
}

#[test]
fn header_problems_are_one_error() {
    let (records, errors) = read_twcs(&b"id,text\n1,hi\n"[..]);
    assert!(records.is_empty());
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0].line, 1);
    assert!(
        errors[0].to_string().contains("'tweet_id'"),
        "{}",
        errors[0]
    );
    let (records, errors) = read_twcs(&b""[..]);
    assert!(records.is_empty());
    assert_eq!(errors.len(), 1);
}

#[test]
fn optional_link_columns_may_be_absent_and_columns_reordered() {
    let input = b"text,created_at,inbound,author_id,tweet_id\n\
                  hello,Tue Oct 31 22:10:47 +0000 2017,true,u1,77\n";
    let (records, errors) = read_twcs(&input[..]);
    assert_eq!(errors, []);
    let m = messages(&records);
    assert_eq!(
        (
            m[0].external_id.as_str(),
            m[0].text.as_str(),
            m[0].author.id.as_str()
        ),
        ("77", "hello", "u1")
    );
}

#[test]
fn reply_cycles_do_not_hang_or_drop_rows() {
    let (records, errors) = read(
        b"1,100,True,Tue Oct 31 22:10:47 +0000 2017,a,,2\n\
          2,100,True,Tue Oct 31 22:10:48 +0000 2017,b,,1\n\
          3,100,True,Tue Oct 31 22:10:46 +0000 2017,c,,\n",
    );
    assert_eq!(errors, []);
    assert_eq!(ids(&records), ["3", "1", "2"]);
}

#[test]
fn unescape_and_mentions() {
    assert_eq!(unescape_html("a &amp;lt; b &gt; c & d"), "a &lt; b > c & d");
    assert_eq!(unescape_html("trailing &"), "trailing &");
    let m: Vec<&str> = mentions("@Acme_1, hi @ @x! email@host").collect();
    assert_eq!(m, ["Acme_1", "x"]);
}
