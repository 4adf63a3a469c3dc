with

source as (

    select * from {{ source('reference', 'ref_trust_types') }}

),

renamed as (

    select
        ---------- ids
        org_code::varchar as org_code,

        ---------- text
        trust_type::varchar as trust_type,

        ---------- provenance
        _source_file::varchar as source_file,
        _source_row::bigint as source_row

    from source

)

select * from renamed
